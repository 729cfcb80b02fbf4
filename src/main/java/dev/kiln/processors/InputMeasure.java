package dev.kiln.processors;

import java.time.Duration;

/**
 * What a processor found of an input by looking at it: the length of a recording, the pages of a
 * document (null: not known).
 */
public record InputMeasure(Duration length, Integer pages) {}
