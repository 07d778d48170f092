// The import rules of ARCHITECTURE.md ("who may import whom"), as one ESLint rule.
//
// It works on paths, not on the file system: a relative specifier is joined to the importing
// file's folder and the result is placed in a module by its folder. So it needs no resolver, gives
// the same answer for files that exist and for text linted under a virtual name, and already
// governs folders that have no file yet (streams/, connect/, connectors/).
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createNodeResolver, importX } from 'eslint-plugin-import-x';

/** Modules whose dependencies are restricted, most specific folder first. */
const PRODUCTION = [
  'core/base',
  'core/protocol',
  'core/records',
  'core/log',
  'broker',
  'client',
  'streams',
  'connect/api',
  'connect/runtime',
  'connectors/*',
  'cli',
];

/**
 * What each module may import besides itself. `connectors/*` stands for every connectors/<name>:
 * a connector may not import another one. npm packages (ajv, mysql2, chokidar…) are not ours and
 * are not restricted here.
 */
export const ALLOWED = {
  'core/base': [],
  'core/protocol': ['core/base'],
  'core/records': ['core/protocol', 'core/base'],
  'core/log': ['core/records', 'core/base'],
  broker: ['core/base', 'core/protocol', 'core/records', 'core/log', 'client'],
  client: ['core/base', 'core/protocol', 'core/records'],
  streams: ['client', 'core/base'],
  'connect/api': ['core/base'],
  'connect/runtime': ['client', 'connect/api', 'core/base'],
  'connectors/*': ['connect/api', 'core/base'],
  // The command is wiring on top of everything, but it runs no test code and no benchmark.
  cli: ['core/base', 'core/protocol', 'core/records', 'core/log', 'broker', 'client', 'streams', 'connect/api', 'connect/runtime', 'connectors/*'],
  bench: ['core/base', 'core/protocol', 'core/records', 'core/log', 'broker', 'client', 'streams', 'connect/api', 'connect/runtime', 'connectors/*'],
  // Runnable examples are what a user of the package writes: they see only what it exports.
  examples: ['client', 'streams', 'broker'],
  test: null,
};

/**
 * The files another module may import. Everything else is the module's own business, so it can be
 * reorganised without breaking its importers. client has two: the public API that the package
 * exports, and the transport internals that streams/ and connect/ build on.
 */
const ENTRIES = {
  client: ['client/index.ts', 'client/internal.ts'],
};

/**
 * Importers that stand where a user of the package stands: they may import only what the package
 * exports (package.json "exports", or the source files behind it), never an internal entry.
 */
const PUBLIC_IMPORTERS = new Set(['examples']);
const PUBLIC_ENTRIES = ['client/index.ts', 'streams/index.ts', 'broker/index.ts'];
const PUBLIC_SPECIFIERS = new Set(['brook/client', 'brook/streams', 'brook/broker']);

/** Modules nothing imports but test code. */
const NEVER_IMPORTED = new Set(['test', 'cli', 'bench', 'examples']);

/** Importers that test internals (or measure them) and may reach past a module's entry. */
const DEEP_IMPORTERS = new Set(['test', 'bench']);

/**
 * The module a project-relative path (forward slashes) belongs to, `null` for a path under a
 * restricted root (core/, connect/, connectors/) that is in no module, and `undefined` for one
 * outside every root (package.json, scripts/…).
 * @param {string} file
 * @returns {{ id: string, name: string } | null | undefined}
 */
export function moduleOf(file) {
  // A path may name a module's folder itself ('../client'): that is in the module, too.
  const [top, second] = file.split('/');
  if (top === undefined) return undefined;
  if (top === 'core' || top === 'connect') {
    const name = `${top}/${second}`;
    return name in ALLOWED ? { id: name, name } : null;
  }
  if (top === 'connectors') {
    return second === undefined || second.endsWith('.ts') ? null : { id: 'connectors/*', name: `connectors/${second}` };
  }
  return top in ALLOWED ? { id: top, name: top } : undefined;
}

function entriesOf(target, from) {
  if (PUBLIC_IMPORTERS.has(from.id)) return PUBLIC_ENTRIES.filter((entry) => entry.startsWith(`${target.name}/`));
  return ENTRIES[target.name] ?? [`${target.name}/index.ts`];
}

/**
 * The specifier as a project-relative path (forward slashes) when it names a file of ours: a
 * relative path, an absolute one or a file: URL that points into the project. `undefined` for
 * npm packages, node: built-ins and paths outside the project.
 */
function targetOf(root, fromPath, spec) {
  if (spec.startsWith('./') || spec.startsWith('../')) {
    const target = path.posix.join(path.posix.dirname(fromPath), spec);
    return target.startsWith('../') ? undefined : target;
  }
  let absolute;
  if (spec.startsWith('file:')) {
    try {
      absolute = fileURLToPath(spec);
    } catch {
      return undefined;
    }
  } else if (path.isAbsolute(spec)) {
    absolute = spec;
  } else {
    return undefined;
  }
  const target = path.relative(root, absolute).split(path.sep).join('/');
  return target === '' || target.startsWith('../') || path.isAbsolute(target) ? undefined : target;
}

/** The text of a string literal, or of a template literal without expressions; else undefined. */
function staticString(node) {
  if (node === undefined || node === null) return undefined;
  if (node.type === 'Literal' && typeof node.value === 'string') return node.value;
  if (node.type === 'TemplateLiteral' && node.expressions.length === 0) return node.quasis[0]?.value.cooked ?? undefined;
  return undefined;
}

/** `createRequire(…)` or `module.createRequire(…)`: a call that returns a require function. */
function isCreateRequire(node) {
  if (node?.type !== 'CallExpression') return false;
  const callee = node.callee;
  if (callee.type === 'Identifier') return callee.name === 'createRequire';
  return callee.type === 'MemberExpression' && !callee.computed && callee.property.type === 'Identifier' && callee.property.name === 'createRequire';
}

function allowedText(id) {
  const allowed = ALLOWED[id] ?? [];
  return allowed.length === 0 ? 'nothing of ours' : allowed.join(', ');
}

/** @type {import('eslint').Rule.RuleModule} */
export const layeringRule = {
  meta: {
    type: 'problem',
    docs: { description: "Enforce ARCHITECTURE.md's import rules: direction, entries, no test/cli imports." },
    schema: [
      {
        type: 'object',
        properties: { root: { type: 'string' } },
        required: ['root'],
        additionalProperties: false,
      },
    ],
    messages: {
      direction: '{{from}} may not import {{to}} ({{spec}}): {{from}} may import {{allowed}}. See "who may import whom" in ARCHITECTURE.md.',
      neverImported: '{{to}}/ is never imported by {{from}} ({{spec}}): nothing but test code imports test/, and nothing imports cli/, bench/ or examples/.',
      computedSpecifier: 'This module specifier is computed, so the layering rules cannot check it: name the module with a string literal.',
      entry: "{{spec}} reaches inside {{to}}: import {{entries}} instead, {{to}}'s entry for other modules.",
      fileInNoModule: '{{file}} is in no module of the layering table (eslint/layering.js): move it into one, or add its module to the table.',
      noModule: '{{spec}} resolves to {{target}}, which is in no module of the layering table (eslint/layering.js): put it in a module, or add the module to the table.',
      selfPackage: "Import {{spec}} with a relative path to the module's entry: the package name resolves to the built dist/.",
    },
  },
  create(context) {
    const root = context.options[0].root;
    const fromPath = path.relative(root, context.physicalFilename).split(path.sep).join('/');
    if (fromPath.startsWith('..')) return {};
    const from = moduleOf(fromPath);
    if (from === undefined) return {};
    if (from === null) {
      return {
        Program(node) {
          context.report({ node, messageId: 'fileInNoModule', data: { file: fromPath } });
        },
      };
    }
    const allowed = ALLOWED[from.id];
    const restricted = from.id !== 'test';

    function check(node, spec) {
      if (typeof spec !== 'string') return;
      if (spec === 'brook' || spec.startsWith('brook/')) {
        // A user's code imports the package by name; the package's own modules may not.
        if (PUBLIC_IMPORTERS.has(from.id) && PUBLIC_SPECIFIERS.has(spec)) return;
        if (restricted) context.report({ node, messageId: 'selfPackage', data: { spec } });
        return;
      }
      const target = targetOf(root, fromPath, spec);
      if (target === undefined) return;
      const to = moduleOf(target);
      if (to === undefined) return;
      if (to === null) {
        if (restricted) context.report({ node, messageId: 'noModule', data: { spec, target } });
        return;
      }
      if (to.name === from.name) return;
      if (allowed !== null && !allowed.includes(to.id)) {
        const never = NEVER_IMPORTED.has(to.id);
        context.report({
          node,
          messageId: never ? 'neverImported' : 'direction',
          data: { from: from.name, to: to.name, spec, allowed: allowedText(from.id) },
        });
        return;
      }
      if (DEEP_IMPORTERS.has(from.id)) return;
      const entries = entriesOf(to, from);
      if (!entries.includes(target)) context.report({ node, messageId: 'entry', data: { spec, to: to.name, entries: entries.join(' or ') } });
    }

    const checkSource = (node) => {
      if (node.source) check(node.source, node.source.value);
    };
    const checkDynamic = (node) => {
      const spec = staticString(node);
      if (spec !== undefined) check(node, spec);
      else if (restricted) context.report({ node, messageId: 'computedSpecifier' });
    };
    // Names bound to a require function (`const require = createRequire(import.meta.url)`, or
    // the CommonJS global): a call through one loads a module as surely as an import does.
    const requireNames = new Set(['require']);
    const calls = [];
    return {
      ImportDeclaration: checkSource,
      ExportNamedDeclaration: checkSource,
      ExportAllDeclaration: checkSource,
      ImportExpression(node) {
        checkDynamic(node.source);
      },
      VariableDeclarator(node) {
        if (node.id.type === 'Identifier' && isCreateRequire(node.init)) requireNames.add(node.id.name);
      },
      AssignmentExpression(node) {
        if (node.left.type === 'Identifier' && isCreateRequire(node.right)) requireNames.add(node.left.name);
      },
      CallExpression(node) {
        calls.push(node);
      },
      'Program:exit'() {
        // Checked at the end: a require function may be bound after the code that calls it.
        for (const call of calls) {
          const callee = call.callee;
          const loads =
            isCreateRequire(callee) ||
            (callee.type === 'Identifier' && requireNames.has(callee.name)) ||
            // require.resolve(…) names a module just as a load does.
            (callee.type === 'MemberExpression' &&
              !callee.computed &&
              callee.property.type === 'Identifier' &&
              callee.property.name === 'resolve' &&
              ((callee.object.type === 'Identifier' && requireNames.has(callee.object.name)) || isCreateRequire(callee.object)));
          if (loads && call.arguments.length > 0) checkDynamic(call.arguments[0]);
        }
      },
      TSImportType(node) {
        // typescript-eslint 8 names the specifier `source`; older versions wrapped it in `argument`.
        if (node.source) {
          check(node.source, node.source.value);
          return;
        }
        const arg = node.argument;
        if (arg.type === 'TSLiteralType' && arg.literal.type === 'Literal') check(arg, arg.literal.value);
      },
    };
  },
};

/** The plugin that carries the rule, named `brook` in the config. */
export const brookPlugin = { meta: { name: 'brook' }, rules: { layering: layeringRule } };

/** Production code: the files in which import cycles are errors. */
export const PRODUCTION_FILES = PRODUCTION.map((m) => `${m.replace('/*', '')}/**/*.ts`);

/**
 * The layering rules alone, without type information: eslint.config.js includes them, and the
 * test lints fixtures with just these.
 * @param {string} root the project's root folder, against which module folders are read
 */
export function layeringConfig(root) {
  return [
    {
      files: ['**/*.ts'],
      plugins: { brook: brookPlugin },
      rules: { 'brook/layering': ['error', { root }] },
    },
  ];
}

/**
 * No import cycles among `files`: a cycle makes load order decide what is initialised when.
 * Type-only imports vanish at run time and are not counted.
 * @param {string[]} files
 */
export function noCycleConfig(files) {
  return [
    {
      files,
      plugins: { 'import-x': importX },
      settings: {
        // Dependencies are parsed (without types) to follow their imports; files of other
        // extensions would be skipped, and a cycle through them missed.
        'import-x/extensions': ['.ts', '.js'],
        'import-x/parsers': { '@typescript-eslint/parser': ['.ts'] },
        'import-x/resolver-next': [createNodeResolver({ extensions: ['.ts', '.js'] })],
      },
      rules: { 'import-x/no-cycle': ['error', { ignoreExternal: true }] },
    },
  ];
}
