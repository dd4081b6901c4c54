import CaddyChecker
import DjangoChecker
import DockerChecker
import HealthChecker
import MediaChecker
import ReconcileKit

/// Every checker this build knows. Adding a checker is one line here.
let registry = CheckerRegistry(
    checkers: [
        HealthChecker.self,
        CaddyChecker.self,
        DockerChecker.self,
    ],
    // Decoded and validated; reported as unknown until their checkers are built.
    pending: [
        PendingSection(checker: "django", section: DjangoSpec.self),
        PendingSection(checker: "media", section: MediaSpec.self),
    ]
)
