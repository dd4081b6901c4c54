import HealthChecker
import ReconcileKit

/// Every checker this build knows. Adding a checker is one line here.
let registry = CheckerRegistry(checkers: [
    HealthChecker.self
])
