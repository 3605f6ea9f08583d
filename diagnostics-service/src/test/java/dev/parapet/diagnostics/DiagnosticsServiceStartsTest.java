package dev.parapet.diagnostics;

import dev.parapet.kit.testing.ServiceStartsContract;

@DiagnosticsServiceSpringTest
class DiagnosticsServiceStartsTest extends ServiceStartsContract {
}
