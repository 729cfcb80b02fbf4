package dev.kiln.processors;

import com.fasterxml.jackson.annotation.JsonValue;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The standard result shapes. A processor whose result has one (built-in or on a worker) gets the
 * same treatment for it: its downloads, the live view, and what later features build on them.
 * <ul>
 *   <li>{@code transcript}: {@code {language?, model?, duration?, text?, segments: [{start, end, text,
 *       speaker?, words?: [{word, start, end, conf?}]}]}}, seconds from the start; each partial result
 *       is one segment.
 *   <li>{@code document}: the extract shape, {@code {text, metadata?: {title?…}, segments: [{text,
 *       heading?…}]}}.
 * </ul>
 */
public enum ResultShape {
    TRANSCRIPT(List.of(
            new ResultFormat("txt", "text/plain;charset=UTF-8", TranscriptFormats::text),
            new ResultFormat("srt", "application/x-subrip;charset=UTF-8", TranscriptFormats::srt),
            new ResultFormat("vtt", "text/vtt;charset=UTF-8", TranscriptFormats::vtt))),
    DOCUMENT(List.of(
            new ResultFormat("txt", "text/plain;charset=UTF-8", DocumentFormats::text),
            new ResultFormat("md", "text/markdown;charset=UTF-8", DocumentFormats::markdown)));

    private final List<ResultFormat> formats;

    ResultShape(List<ResultFormat> formats) {
        this.formats = formats;
    }

    public List<ResultFormat> formats() {
        return formats;
    }

    @JsonValue
    public String wire() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Optional<ResultShape> fromWire(String value) {
        for (ResultShape shape : values()) {
            if (shape.wire().equals(value)) {
                return Optional.of(shape);
            }
        }
        return Optional.empty();
    }
}
