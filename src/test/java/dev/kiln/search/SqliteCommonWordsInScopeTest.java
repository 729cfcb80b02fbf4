package dev.kiln.search;

class SqliteCommonWordsInScopeTest extends CommonWordsInScopeContract {}
