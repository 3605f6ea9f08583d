package dev.parapet.keys;

import dev.parapet.kit.testing.ServiceStartsContract;

@KeyServiceSpringTest
class KeyServiceStartsTest extends ServiceStartsContract {
}
