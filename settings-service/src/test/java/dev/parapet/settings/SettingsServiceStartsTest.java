package dev.parapet.settings;

import dev.parapet.kit.testing.ServiceStartsContract;

@SettingsServiceSpringTest
class SettingsServiceStartsTest extends ServiceStartsContract {
}
