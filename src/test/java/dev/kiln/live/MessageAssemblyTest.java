package dev.kiln.live;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class MessageAssemblyTest {

    private final MessageAssembly assembly = new MessageAssembly(10);

    @Test
    void aMessageInOnePartIsWhole() throws Exception {
        assertThat(assembly.add("{\"a\":1}", true)).isEqualTo("{\"a\":1}");
    }

    @Test
    void partsAreJoinedWhenTheLastArrives() throws Exception {
        assertThat(assembly.add("abc", false)).isNull();
        assertThat(assembly.add("def", false)).isNull();
        assertThat(assembly.add("gh", true)).isEqualTo("abcdefgh");
        assertThat(assembly.add("next", true)).isEqualTo("next");
    }

    @Test
    void partsPastTheLimitAreRefusedAndForgotten() throws Exception {
        assembly.add("123456", false);

        assertThatThrownBy(() -> assembly.add("78901", false)).isInstanceOf(MessageAssembly.TooBig.class);
        assertThat(assembly.add("fresh", true)).isEqualTo("fresh");
    }
}
