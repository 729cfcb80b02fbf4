package dev.kiln.answers;

class SqliteAnswersTest extends AnswersContract {}
