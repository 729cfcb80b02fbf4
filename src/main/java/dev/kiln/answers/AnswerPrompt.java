package dev.kiln.answers;

import java.util.ArrayList;
import java.util.List;

/** What the model is sent: how to answer, the earlier turns, the numbered passages and the question. */
final class AnswerPrompt {

    static final String SYSTEM = """
            You answer questions about the user's own recordings and documents, using only the numbered \
            passages given with the question. Cite every statement with the number of the passage it comes \
            from in square brackets, like [2] or [1][3]. If the passages do not answer the question, say so \
            plainly and do not guess. Answer in the language of the question.""";

    private AnswerPrompt() {}

    static List<ChatCompletions.Message> messages(
            String question, List<Citation> sources, List<Conversation.Turn> earlier) {
        List<ChatCompletions.Message> messages = new ArrayList<>();
        messages.add(new ChatCompletions.Message("system", SYSTEM));
        for (Conversation.Turn turn : earlier) {
            messages.add(new ChatCompletions.Message("user", turn.question()));
            messages.add(new ChatCompletions.Message("assistant", turn.answer()));
        }
        StringBuilder user = new StringBuilder("Passages:\n");
        for (Citation c : sources) {
            user.append('[')
                    .append(c.n())
                    .append("] (")
                    .append(c.where())
                    .append(") ")
                    .append(c.text().strip())
                    .append('\n');
        }
        user.append("\nQuestion: ").append(question.strip());
        messages.add(new ChatCompletions.Message("user", user.toString()));
        return messages;
    }

    /** The answer without a model: the best passages, numbered, and a sentence saying so. */
    static String extractive(List<Citation> sources) {
        StringBuilder answer = new StringBuilder(
                "No language model is configured on this server, so these are the passages that best match"
                        + " your question:\n");
        for (Citation c : sources) {
            answer.append("\n[")
                    .append(c.n())
                    .append("] ")
                    .append(c.text().strip())
                    .append(" (")
                    .append(c.where())
                    .append(')');
        }
        return answer.toString();
    }

    static final String NOTHING_FOUND =
            "Nothing in your transcripts or documents matches this question, so there is nothing to answer from.";
}
