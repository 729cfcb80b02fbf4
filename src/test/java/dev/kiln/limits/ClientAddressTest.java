package dev.kiln.limits;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ClientAddressTest {

    @Test
    void ipv4AddressesCountAsThemselves() {
        assertThat(ClientAddress.of("203.0.113.7")).isEqualTo("203.0.113.7");
    }

    @Test
    void ipv6AddressesCountByTheirSlash64() {
        assertThat(ClientAddress.of("2001:db8:1:2:aaaa:bbbb:cccc:dddd")).isEqualTo("2001:db8:1:2::/64");
        assertThat(ClientAddress.of("2001:db8:1:2::1")).isEqualTo(ClientAddress.of("2001:db8:1:2:ffff::9"));
        assertThat(ClientAddress.of("2001:db8:1:3::1")).isNotEqualTo(ClientAddress.of("2001:db8:1:2::1"));
    }

    @Test
    void anUnknownAddressIsOneClient() {
        assertThat(ClientAddress.of(null)).isEqualTo("unknown");
    }
}
