package dev.kiln.api;

import java.io.IOException;
import org.springframework.http.HttpInputMessage;
import org.springframework.http.HttpOutputMessage;
import org.springframework.http.MediaType;
import org.springframework.http.converter.AbstractHttpMessageConverter;
import org.springframework.http.converter.HttpMessageConverters;
import org.springframework.http.converter.HttpMessageNotReadableException;
import org.springframework.stereotype.Component;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;
import tools.jackson.core.JacksonException;
import tools.jackson.core.exc.StreamConstraintsException;
import tools.jackson.databind.JsonNode;

/**
 * Reads {@code @RequestBody JsonNode} — how every JSON endpoint of Kiln takes its body, checking
 * and naming each field itself — through {@link ClientJson}'s bounds: a body declared larger than
 * allowed is refused before a byte is read (413), one that turns out larger, or too deep, while
 * parsing. Responses are written by Spring's own JSON converter.
 */
@Component
class RequestJsonConverter extends AbstractHttpMessageConverter<JsonNode> implements WebMvcConfigurer {

    private final ClientJson json;

    RequestJsonConverter(ClientJson json) {
        super(MediaType.APPLICATION_JSON, new MediaType("application", "*+json"));
        this.json = json;
    }

    /** Ahead of Spring's JSON converter, which would read a body of any size and depth. */
    @Override
    public void configureMessageConverters(HttpMessageConverters.ServerBuilder converters) {
        converters.addCustomConverter(this);
    }

    @Override
    protected boolean supports(Class<?> type) {
        return JsonNode.class.isAssignableFrom(type);
    }

    @Override
    protected boolean canWrite(MediaType mediaType) {
        return false;
    }

    @Override
    protected JsonNode readInternal(Class<? extends JsonNode> type, HttpInputMessage input) throws IOException {
        if (input.getHeaders().getContentLength() > json.maxSize()) {
            throw json.tooLarge();
        }
        JsonNode tree;
        try {
            tree = json.read(input.getBody());
        } catch (StreamConstraintsException e) {
            throw json.problem(e);
        } catch (JacksonException e) {
            throw new HttpMessageNotReadableException("The request body is not valid JSON.", e, input);
        }
        if (!type.isInstance(tree)) {
            throw ApiException.invalidField("body", "The body is not the kind of JSON value this endpoint takes.");
        }
        return tree;
    }

    @Override
    protected void writeInternal(JsonNode node, HttpOutputMessage output) {
        throw new UnsupportedOperationException("Only reads request bodies");
    }
}
