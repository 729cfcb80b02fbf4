import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import reactHooks from 'eslint-plugin-react-hooks';
import { defineConfig } from 'eslint/config';
import globals from 'globals';
import tseslint from 'typescript-eslint';

// Correctness only: formatting is Prettier's (eslint-config-prettier turns off the rules it owns).
export default defineConfig(
  { ignores: ['node_modules/', 'dist/'] },
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    files: ['src/**/*.{ts,tsx}'],
    extends: [reactHooks.configs.flat.recommended],
    languageOptions: { globals: globals.browser },
    // useLoad takes a dependency list like React's own hooks: check it where it is called.
    rules: { 'react-hooks/exhaustive-deps': ['warn', { additionalHooks: '^useLoad$' }] },
  },
  {
    files: ['tools/**', '*.config.{js,ts}'],
    languageOptions: { globals: globals.node },
  },
  {
    // Node scripts whose page.evaluate callbacks run in the browser.
    files: ['e2e/**'],
    languageOptions: { globals: { ...globals.node, ...globals.browser } },
  },
  prettier,
);
