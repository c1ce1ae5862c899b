import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'tab/dist/**', 'node_modules/**', '.data/**', 'build/**', 'devTools/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      'no-console': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' }],
    },
  },
  {
    // Lower layers never import upper ones: services are the ground the bot edge, the tab API and the tools stand on.
    files: ['services/**'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ regex: '^(\\.\\./)+bot(/|$)', message: 'services/ must not import from bot/ (the edge imports services, never the reverse).' }] }],
    },
  },
  {
    files: ['scripts/**', 'bench/**', 'test/**', 'graphsim/main.ts'],
    rules: { 'no-console': 'off' },
  },
);
