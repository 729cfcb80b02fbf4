package dev.kiln.webapp;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kiln.testing.BrowserScript;
import dev.kiln.testing.ChatCompletionsServer;
import dev.kiln.testing.ChatCompletionsServer.Script;
import dev.kiln.testing.Fixtures;
import dev.kiln.testing.KilnProcess;
import dev.kiln.testing.TestDatabases;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Ask in real headless Chromium against a real Kiln (web/e2e/ask.e2e.mjs) whose language model is
 * a stand-in speaking the OpenAI streaming wire format: the answer grows live and survives a reload
 * mid-answer with nothing doubled, a citation chip opens the recording at the cited moment, Stop
 * ends a slow answer (the upstream request is closed), and an answer the model breaks off is shown
 * as incomplete. (web/e2e/search.e2e.mjs is the search half: a word spoken, found, the player there.)
 */
class AskBrowserTest {

    @Test
    void anAnswerStreamsWithCitationsThatOpenTheSourceAndStopsOrBreaksVisibly() throws Exception {
        BrowserScript.assumeChromium();
        try (ChatCompletionsServer llm = new ChatCompletionsServer()) {
            // The question's words pick the reply: the script asks three questions.
            llm.on("Summarize", Script.answer(answerPieces()).paced(Duration.ofMillis(500)));
            llm.on("slowly", Script.answer(" think".repeat(300).split("(?= )")).paced(Duration.ofMillis(200)));
            llm.on(
                    "apart",
                    Script.answer("It was", " decided").endingWith(ChatCompletionsServer.Ending.ERROR_IN_STREAM));
            try (KilnProcess kiln = KilnProcess.start(
                    TestDatabases.fresh(TestDatabases.Kind.SQLITE),
                    TestDatabases.tempDir("kiln-ask-"),
                    Map.of(
                            "kiln.llm.base-url", llm.baseUrl(),
                            "kiln.llm.model", "stand-in-7b",
                            "kiln.llm.api-key", "sk-browser-test"))) {
                BrowserScript.mustPass(
                        kiln,
                        "ask.e2e.mjs",
                        Duration.ofMinutes(5),
                        "--speech",
                        Fixtures.path("speech.wav").toString(),
                        "--answer",
                        String.join("", answerPieces()));
            }
            // The slow reply's next write after Stop fails: Kiln closed its request to the model.
            assertThat(llm.clientGone().await(30, TimeUnit.SECONDS))
                    .as("Stop closed the request to the model")
                    .isTrue();
        }
    }

    /** The first answer, word by word. */
    private static String[] answerPieces() {
        return "The conference comes up in the standup recording [1], more than once.".split("(?<= )");
    }
}
