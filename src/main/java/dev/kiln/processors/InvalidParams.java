package dev.kiln.processors;

import java.util.List;

/**
 * A job's parameters do not fit its processor's {@link ParamsSchema}: every bad field, named. The
 * extension point knows nothing of HTTP; the API answers this as the problem {@code invalid_params}.
 */
public class InvalidParams extends RuntimeException {

    private final List<ParamsSchema.FieldError> errors;

    /** @param errors at least one */
    public InvalidParams(List<ParamsSchema.FieldError> errors) {
        super(
                errors.size() == 1
                        ? errors.get(0).field() + " " + errors.get(0).message() + "."
                        : errors.size() + " parameters are invalid.");
        this.errors = List.copyOf(errors);
    }

    public List<ParamsSchema.FieldError> errors() {
        return errors;
    }
}
