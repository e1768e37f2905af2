import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../errors';
import { loadConfig, validateConfig, validateConfigBytes } from './load';
import { defaultConfig } from './schema';

const FILE = 'repo/.agentsync.json';

/** The ConfigError validateConfig throws for `text`. */
function configError(text: string): ConfigError {
  try {
    validateConfig(text, FILE);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

const json = (...lines: string[]) => lines.join('\n');

interface BadCase {
  /** The text of the file. */
  text: string;
  path: string;
  /** 1-based line the problem is reported at. */
  line: number;
  message: string;
  hint?: string;
}

const cases: Record<string, BadCase> = {
  // Syntax
  'a trailing comma in an object': {
    text: json('{', '  "hooks": { "failOpen": true },', '}'),
    path: '(root)',
    line: 2,
    message: 'trailing comma',
    hint: 'remove it',
  },
  'a trailing comma in an array': {
    text: json('{', '  "health": {', '    "targets": ["build",', '    ]', '  }', '}'),
    path: 'health.targets',
    line: 3,
    message: 'trailing comma',
  },
  'a line comment': {
    text: json('{', '  // who owns this?', '  "sessions": {}', '}'),
    path: '(root)',
    line: 2,
    message: 'comments are not allowed',
  },
  'a block comment inside an object': {
    text: json('{', '  "claims": {', '    "ttl": "2h" /* long */', '  }', '}'),
    path: 'claims',
    line: 3,
    message: 'comments are not allowed',
  },
  'an unclosed brace': {
    text: json('{', '  "hooks": {', '    "failOpen": true', '  }'),
    path: '(root)',
    line: 4,
    message: 'expected "}" to close the object',
  },
  'a bad literal': {
    text: json('{', '  "hooks": {', '    "failOpen": yes', '  }', '}'),
    path: 'hooks',
    line: 3,
    message: 'unexpected text "yes"',
    hint: 'true, false, null',
  },
  'single-quoted keys': {
    text: json('{', "  'hooks': {}", '}'),
    path: '(root)',
    line: 2,
    message: `unexpected text "'hooks'"`,
    hint: 'double-quoted strings',
  },
  'a missing comma': {
    text: json('{', '  "hooks": {}', '  "sessions": {}', '}'),
    path: 'sessions',
    line: 3,
    message: 'expected "," between entries',
  },
  'an unterminated string': {
    text: json('{', '  "branches": { "pattern": "{agent}/', '  }', '}'),
    path: 'branches.pattern',
    line: 2,
    message: 'unterminated string',
  },
  'text after the object': { text: json('{}', '{}'), path: '(root)', line: 2, message: 'unexpected text after the end' },
  'an empty file': { text: '', path: '(root)', line: 1, message: 'the file is empty', hint: 'write {}' },
  'a file of blanks': { text: '\n  \n', path: '(root)', line: 3, message: 'the file is empty' },
  'a top-level array': { text: json('[', '  "health"', ']'), path: '(root)', line: 1, message: 'expected an object, got array' },
  'a top-level string': { text: '"health"', path: '(root)', line: 1, message: 'expected an object, got string' },
  'a top-level null': { text: 'null', path: '(root)', line: 1, message: 'expected an object, got null' },
  'a duplicate key': {
    text: json('{', '  "sessions": { "required": true },', '  "sessions": {}', '}'),
    path: 'sessions',
    line: 3,
    message: 'duplicate key "sessions"',
  },

  // Unknown keys
  'an unknown top-level key': {
    text: json('{', '  "helth": {}', '}'),
    path: 'helth',
    line: 2,
    message: 'unknown key "helth"',
    hint: 'did you mean "health"?',
  },
  'an unknown key in a section': {
    text: json('{', '  "health": {', '    "comands": []', '  }', '}'),
    path: 'health.comands',
    line: 3,
    message: 'unknown key "comands"',
    hint: 'did you mean "commands"?',
  },
  'a key in the wrong case': {
    text: json('{', '  "hooks": { "failopen": true }', '}'),
    path: 'hooks.failopen',
    line: 2,
    message: 'unknown key "failopen"',
    hint: 'did you mean "failOpen"?',
  },
  'an unknown key in an array entry, far from any known one': {
    text: json('{', '  "health": {', '    "commands": [', '      { "name": "lint", "cmd": "npm run lint" }', '    ]', '  }', '}'),
    path: 'health.commands[0].cmd',
    line: 4,
    message: 'unknown key "cmd"',
    hint: 'allowed here: "name", "run", "timeout"',
  },
  'a tier numbered 5': {
    text: json('{', '  "tiers": {', '    "5": { "name": "Godlike" }', '  }', '}'),
    path: 'tiers["5"]',
    line: 3,
    message: 'unknown key "5"',
    hint: 'allowed here: "1", "2", "3", "4"',
  },
  'a misspelt tier field': {
    text: json('{', '  "tiers": { "2": {', '    "modle": "gpt-5" } }', '}'),
    path: 'tiers["2"].modle',
    line: 3,
    message: 'unknown key "modle"',
    hint: 'did you mean "model"?',
  },
  'an unknown key in a hot file object': {
    text: json('{', '  "hotFiles": [', '    { "path": "package.json", "lines": 20 }', '  ]', '}'),
    path: 'hotFiles[0].lines',
    line: 3,
    message: 'unknown key "lines"',
  },

  // Types and values
  'a number for a command': {
    text: json('{', '  "health": { "commands": [', '    { "name": "test", "run": 42 }', '  ] }', '}'),
    path: 'health.commands[0].run',
    line: 3,
    message: 'expected a string, got number',
  },
  'a string for a boolean': {
    text: json('{', '  "hooks": {', '    "failOpen": "true"', '  }', '}'),
    path: 'hooks.failOpen',
    line: 3,
    message: 'expected true or false, got string',
  },
  'an object for an array': {
    text: json('{', '  "health": {', '    "commands": { "name": "test" }', '  }', '}'),
    path: 'health.commands',
    line: 3,
    message: 'expected an array, got object',
  },
  'a missing required key': {
    text: json('{', '  "health": { "commands": [', '    { "name": "test" }', '  ] }', '}'),
    path: 'health.commands[0].run',
    line: 3,
    message: 'is required',
  },
  'an empty command name': {
    text: json('{', '  "health": { "commands": [', '    { "name": "", "run": "npm test" }', '  ] }', '}'),
    path: 'health.commands[0].name',
    line: 3,
    message: 'must not be empty',
  },
  'a blank command': {
    text: json('{', '  "health": { "commands": [', '    { "name": "test", "run": "   " }', '  ] }', '}'),
    path: 'health.commands[0].run',
    line: 3,
    message: 'must not be empty',
  },
  'an empty hot file glob': {
    text: json('{', '  "hotFiles": [', '    ""', '  ]', '}'),
    path: 'hotFiles[0]',
    line: 3,
    message: 'must not be empty',
  },
  'a hot file glob with an unclosed bracket': {
    text: json('{', '  "hotFiles": [', '    "["', '  ]', '}'),
    path: 'hotFiles[0]',
    line: 3,
    message: 'glob "[" is not a valid glob: Missing closing: "]"',
    hint: 'escape a literal `[`, `{` or `*` with a backslash',
  },
  'a gate on an absolute path': {
    text: json('{', '  "gates": [', '    { "paths": ["src/**", "/etc/passwd"], "risk": "high" }', '  ]', '}'),
    path: 'gates[0].paths[1]',
    line: 3,
    message: 'glob "/etc/passwd" is an absolute path',
  },
  'a hot file glob that climbs out with ..': {
    text: json('{', '  "hotFiles": [', '    { "path": "**/../x" }', '  ]', '}'),
    path: 'hotFiles[0].path',
    line: 3,
    message: 'glob "**/../x" leaves the repository with ".."',
  },
  'a claim ttl too long for any date': {
    text: json('{', '  "claims": { "ttl": "99999999999d" }', '}'),
    path: 'claims.ttl',
    line: 2,
    message: 'must be at most 24d, got "99999999999d"',
  },
  'a health timeout in seconds beyond the maximum': {
    text: json('{', '  "health": { "commands": [{ "name": "t", "run": "true", "timeout": 99999999999 }] }', '}'),
    path: 'health.commands[0].timeout',
    line: 2,
    message: 'must be at most 24d, got 99999999999',
  },
  'a number for a hot file': {
    text: json('{', '  "hotFiles": ["package.json",', '    7', '  ]', '}'),
    path: 'hotFiles[1]',
    line: 3,
    message: 'expected a glob string or an object with "path", got number',
  },
  'a hot file line limit of 0': {
    text: json('{', '  "hotFiles": [', '    { "path": "nx.json", "maxChangedLines": 0 }', '  ]', '}'),
    path: 'hotFiles[0].maxChangedLines',
    line: 3,
    message: 'must be greater than 0, got 0',
  },
  'a fractional hot file line limit': {
    text: json('{', '  "hotFiles": [', '    { "path": "nx.json", "maxChangedLines": 2.5 }', '  ]', '}'),
    path: 'hotFiles[0].maxChangedLines',
    line: 3,
    message: 'expected a whole number, got 2.5',
  },
  'duplicate command names': {
    text: json(
      '{',
      '  "health": { "commands": [',
      '    { "name": "test", "run": "npm test" },',
      '    { "name": "test", "run": "npm run e2e" }',
      '  ] }',
      '}',
    ),
    path: 'health.commands[1].name',
    line: 4,
    message: 'duplicate command name "test"',
    hint: 'give each command its own name',
  },
  'a duration in words': {
    text: json('{', '  "claims": {', '    "ttl": "2 hours"', '  }', '}'),
    path: 'claims.ttl',
    line: 3,
    message: 'expected a duration such as "30m" or "2h", got "2 hours"',
  },
  'a duration of zero seconds': {
    text: json('{', '  "coordination": {', '    "freshness": 0', '  }', '}'),
    path: 'coordination.freshness',
    line: 3,
    message: 'expected a duration such as "30m" or "2h", got 0',
  },
  'a fractional duration': {
    text: json('{', '  "claims": { "ttl": 1.5 }', '}'),
    path: 'claims.ttl',
    line: 2,
    message: 'expected a duration such as "30m" or "2h", got 1.5',
  },
  'a boolean duration': {
    text: json('{', '  "health": { "commands": [', '    { "name": "test", "run": "npm test", "timeout": true }', '  ] }', '}'),
    path: 'health.commands[0].timeout',
    line: 3,
    message: 'expected a duration such as "30m" or "2h", got boolean',
  },
  'a bad risk': {
    text: json('{', '  "gates": [', '    { "paths": ["infra/**"], "risk": "severe" }', '  ]', '}'),
    path: 'gates[0].risk',
    line: 3,
    message: 'expected one of "low", "medium", "high", "critical", got "severe"',
  },
  'a gate without paths': {
    text: json('{', '  "gates": [', '    { "paths": [], "risk": "high" }', '  ]', '}'),
    path: 'gates[0].paths',
    line: 3,
    message: 'must list at least one entry',
  },
  'a gate requiring something unknown': {
    text: json('{', '  "gates": [', '    { "paths": ["db/**"], "risk": "high", "requires": "sign-off" }', '  ]', '}'),
    path: 'gates[0].requires',
    line: 3,
    message: 'expected "approval", got "sign-off"',
  },
  'a bad health policy': {
    text: json('{', '  "health": {', '    "policy": "strict"', '  }', '}'),
    path: 'health.policy',
    line: 3,
    message: 'expected one of "regressions", "any-failure", got "strict"',
  },
  'a remote name with a space': {
    text: json('{', '  "coordination": {', '    "remote": "my remote"', '  }', '}'),
    path: 'coordination.remote',
    line: 3,
    message: 'expected a git remote name such as "origin", got "my remote"',
  },
  'a branch pattern without {agent}': {
    text: json('{', '  "branches": {', '    "pattern": "feature/{feature}"', '  }', '}'),
    path: 'branches.pattern',
    line: 3,
    message: 'must contain "{agent}"',
  },
  'a tier whose minimum exceeds its default maximum': {
    text: json('{', '  "tiers": {', '    "1": { "tokens": { "min": 5000 } }', '  }', '}'),
    path: 'tiers["1"].tokens',
    line: 3,
    message: 'tokens.min (5000) is above tokens.max (2000)',
  },
  'duplicate agent names': {
    text: json('{', '  "agents": [', '    { "name": "claude" },', '    { "name": "claude", "role": "reviewer" }', '  ]', '}'),
    path: 'agents[1].name',
    line: 4,
    message: 'duplicate agent name "claude"',
  },
  'an agent in tier 5': {
    text: json('{', '  "agents": [', '    { "name": "codex", "tier": 5 }', '  ]', '}'),
    path: 'agents[0].tier',
    line: 3,
    message: 'must be at most 4, got 5',
  },
  'an agent name with a slash': {
    text: json('{', '  "agents": [', '    { "name": "claude/code" }', '  ]', '}'),
    path: 'agents[0].name',
    line: 3,
    message: 'expected an agent id such as "claude"',
  },
  'a number for $schema': {
    text: json('{', '  "$schema": 1', '}'),
    path: '$schema',
    line: 2,
    message: 'expected a string, got number',
  },
};

describe('validateConfig refuses bad configs', () => {
  it('has at least 30 of them', () => {
    expect(Object.keys(cases).length).toBeGreaterThanOrEqual(30);
  });

  it.each(Object.entries(cases))('%s', (_, { text, path, line, message, hint }) => {
    const error = configError(text);
    const issue = error.issues.find((candidate) => candidate.path === path);
    expect(issue, `no issue at ${path} in:\n${error.message}`).toBeDefined();
    expect(issue).toMatchObject({ line });
    expect(issue?.message).toContain(message);
    if (hint) expect(issue?.hint).toContain(hint);
    expect(error.message).toContain(FILE);
    expect(error.message).toContain(`${FILE}:${line}:${issue?.column}  ${path}: ${issue?.message}`);
    expect(error.exitCode).toBe(2);
    expect(error.message).not.toMatch(/invalid_type|invalid_union|unrecognized_keys|Invalid input|ZodError|\n\s+at /);
  });
});

describe('validateConfig', () => {
  it('reports every problem in one error, in file order', () => {
    const error = configError(
      json(
        '{',
        '  "helth": {},',
        '  "health": { "commands": [{ "name": "test", "run": "" }] },',
        '  // a comment',
        '  "claims": { "ttl": "forever" },',
        '  "gates": [{ "paths": ["infra/**"], "risk": "severe" }],',
        '}',
      ),
    );
    expect(error.issues.map((issue) => [issue.line, issue.path])).toEqual([
      [2, 'helth'],
      [3, 'health.commands[0].run'],
      [4, '(root)'],
      [5, 'claims.ttl'],
      [6, 'gates[0].risk'],
      [6, '(root)'],
    ]);
    expect(error.message.split('\n')).toHaveLength(7);
  });

  it('reports only the first of a cascade of syntax errors', () => {
    const error = configError(json('{', '  "hooks": { "failOpen": tru },', '  "sessions": {', '}'));
    expect(error.issues).toHaveLength(1);
    expect(error.issues[0]).toMatchObject({ line: 2, message: 'unexpected text "tru"' });
  });

  it('gives the column of the problem', () => {
    const error = configError('{ "hooks": { "lintStaged": 1 } }');
    expect(error.issues).toEqual([
      { path: 'hooks.lintStaged', line: 1, column: 28, message: 'expected true or false, got number', hint: undefined },
    ]);
  });

  it('refuses a config nested 20,000 deep with a located error, not a stack overflow', () => {
    const error = configError(`{ "hooks": ${'['.repeat(20_000)}${']'.repeat(20_000)} }`);
    expect(error.issues).toEqual([
      { path: '(root)', line: 1, column: 75, message: 'nested more than 64 levels deep', hint: 'a config needs a few levels at most' },
    ]);
  });

  it('refuses bytes that are not UTF-8, naming the line and byte', () => {
    const bytes = Buffer.concat([Buffer.from('{\n  "branches": { "pattern": "{agent}/'), Buffer.from([0xff]), Buffer.from('" }\n}')]);
    try {
      validateConfigBytes(bytes, FILE);
      expect.unreachable();
    } catch (error) {
      expect((error as ConfigError).issues).toEqual([
        { path: '(root)', line: 2, message: 'the file is not valid UTF-8 (byte 39)', hint: 'save it as UTF-8' },
      ]);
    }
  });

  it('normalizes config globs as claims are normalized', () => {
    const config = validateConfig('{ "hotFiles": ["./package.json"], "gates": [{ "paths": ["infra//"], "risk": "high" }] }', FILE);
    expect(config.hotFiles[0].path).toBe('package.json');
    expect(config.gates[0].paths).toEqual(['infra']);
  });

  it('accepts a byte order mark', () => {
    expect(validateConfig('\ufeff{}', FILE)).toEqual(defaultConfig());
  });
});

describe('loadConfig', () => {
  let root: string;
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'agentsync-config-'));
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('gives the defaults when there is no file', async () => {
    expect(await loadConfig(root)).toEqual({
      config: defaultConfig(),
      file: join(root, '.agentsync.json'),
      exists: false,
    });
  });

  it('reads and validates the file', async () => {
    await writeFile(join(root, '.agentsync.json'), '{ "hotFiles": ["package.json"] }\n');
    const { config, exists } = await loadConfig(root);
    expect(exists).toBe(true);
    expect(config.hotFiles).toEqual([{ path: 'package.json', maxChangedLines: 200, requireClaim: false }]);
  });

  it('names the file in errors', async () => {
    await writeFile(join(root, '.agentsync.json'), '{ "helth": {} }');
    await expect(loadConfig(root)).rejects.toThrow(`${join(root, '.agentsync.json')}:1:3  helth: unknown key "helth"`);
  });

  it('reports a config that cannot be read as a ConfigError', async () => {
    await mkdir(join(root, '.agentsync.json'));
    const error = await loadConfig(root).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).issues[0].message).toBe('cannot read the file (EISDIR)');
  });
});
