import DockerChecker
import ReconcileKit

/// Which containers publish host ports, read from the Docker checker's observation of
/// this run (never asked twice): the list's ports for every running container, and the
/// inspected ports of the containers the `docker:` section names. Pure.
enum PortPublishers {
    static func from(_ docker: Result<DockerObservation, any Error>) -> (publishers: [PortPublisher]?, problem: String?) {
        switch docker {
        case .failure(let error):
            return (nil, "\(error)")
        case .success(let observation):
            if let problem = observation.problem { return (nil, "the Docker engine could not be observed: \(problem.message)") }
            var result: [PortPublisher] = []
            func add(_ container: String, _ bindings: [PortBinding]) {
                for binding in bindings where binding.proto == "tcp" && binding.hostPort != nil {
                    let publisher = PortPublisher(container: container, binding: binding)
                    if !result.contains(publisher) { result.append(publisher) }
                }
            }
            for container in observation.containers where container.state == "running" { add(container.name, container.ports) }
            for container in observation.inspected.values.sorted(by: { $0.name < $1.name }) where container.state == "running" {
                add(container.name, container.ports)
            }
            return (result, nil)
        }
    }
}
