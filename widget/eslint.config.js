// ESLint for the browser code (src/, run in browsers) and its build script (Node).
// `npm run lint`; `make lint` runs it with the type check.
import js from "@eslint/js";
import globals from "globals";
import { createNodeResolver, importX } from "eslint-plugin-import-x";

export default [
  { ignores: ["dist/", "node_modules/"] },
  js.configs.recommended,
  importX.flatConfigs.recommended,
  {
    languageOptions: { ecmaVersion: 2022, sourceType: "module" },
    settings: { "import-x/resolver-next": [createNodeResolver()] },
    rules: {
      // Modules that import each other in a circle have no order to read or test them in: the
      // widget once passed one object around six such modules. Type-only JSDoc imports don't count.
      "import-x/no-cycle": ["error", { ignoreExternal: true }],
      // Unused catch bindings are how this code says "ignore this failure".
      "no-unused-vars": ["error", { caughtErrors: "none" }],
    },
  },
  { files: ["src/**/*.js"], languageOptions: { globals: globals.browser } },
  { files: ["build.mjs", "eslint.config.js"], languageOptions: { globals: globals.node } },
];
