import CaddyChecker
import DjangoChecker
import DockerChecker
import HealthChecker
import HostChecker
import MediaChecker
import ReconcileKit

/// Every checker this build knows. Adding a checker is one line here.
let registry = CheckerRegistry(checkers: [
    HealthChecker.self,
    CaddyChecker.self,
    DockerChecker.self,
    DjangoChecker.self,
    MediaChecker.self,
    HostChecker.self,
])
