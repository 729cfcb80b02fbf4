package dev.kiln.extract;

/**
 * A block of text as the document laid it out.
 *
 * @param page    1-based page (or slide) it is on; null where the format has no pages
 * @param heading whether the document marks it as a heading
 */
record Paragraph(String text, Integer page, boolean heading) {}
