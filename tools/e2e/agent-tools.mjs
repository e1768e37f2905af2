/**
 * The real agent-tool CLIs for end-to-end tests, pinned, installed on first use
 * into a cache folder outside the workspace (they are hundreds of MB each, so
 * never workspace dependencies), and a way to run each headless against its
 * scripted model server (./messages-server.mjs and the others).
 *
 *   const claude = await ensureTool('claude');   // { bin, version } or { skip: 'why' }
 *
 * The cache is AGENTSYNC_E2E_TOOLS, else the `tools` folder of the e2e cache
 * (./cache.mjs), one folder per `<name>-<version>`. Without a registry (no
 * network) the install fails and the caller skips with the reason instead of
 * failing; AGENTSYNC_E2E_REQUIRE_TOOLS=1 makes that a failure (CI that must
 * test the real binaries).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cachedFolder, E2E_CACHE } from './cache.mjs';

/** The pinned versions (the BRIEF's fixed choices) and each package's binary. */
export const AGENT_TOOL_PACKAGES = {
  claude: { dir: 'claude-code', pkg: '@anthropic-ai/claude-code', version: '2.1.328', bin: 'claude' },
  codex: { dir: 'codex', pkg: '@openai/codex', version: '0.169.0', bin: 'codex' },
  gemini: { dir: 'gemini-cli', pkg: '@google/gemini-cli', version: '0.61.0', bin: 'gemini' },
  copilot: { dir: 'copilot', pkg: '@github/copilot', version: '1.0.102', bin: 'copilot' },
};

export const TOOLS_DIR = process.env.AGENTSYNC_E2E_TOOLS || join(E2E_CACHE, 'tools');

/** Set to 1, a tool that cannot be installed fails its tests instead of skipping them. */
export const REQUIRE_TOOLS = process.env.AGENTSYNC_E2E_REQUIRE_TOOLS === '1';

/** Runs a program to completion; never throws on a non-zero exit. */
export function runProgram(file, args, { cwd, env = process.env, input = '', timeoutMs = 180_000 } = {}) {
  return new Promise((resolve) => {
    const child = spawn(file, args, { cwd, env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', (error) => {
      clearTimeout(timer);
      resolve({ code: -1, stdout, stderr: `${stderr}${error.message}` });
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout, stderr });
    });
    child.stdin.on('error', () => undefined);
    child.stdin.end(input);
  });
}

const installs = new Map();

/**
 * The tool's binary, installing the pinned version into the cache if it is not
 * there: `{ bin, version }`, or `{ skip }` saying why it cannot be had. With
 * AGENTSYNC_E2E_REQUIRE_TOOLS=1 it rejects with that reason instead.
 */
export function ensureTool(name) {
  if (!installs.has(name)) installs.set(name, install(name).then(requiredIfAsked));
  return installs.get(name);
}

function requiredIfAsked(tool) {
  if (tool.skip && REQUIRE_TOOLS) throw new Error(`AGENTSYNC_E2E_REQUIRE_TOOLS=1, and ${tool.skip}`);
  return tool;
}

class InstallFailed extends Error {}

async function install(name) {
  const spec = AGENT_TOOL_PACKAGES[name];
  const dir = join(TOOLS_DIR, `${spec.dir}-${spec.version}`);
  const bin = join(dir, 'node_modules', '.bin', spec.bin);
  if (await works(bin)) return { bin, version: spec.version };
  try {
    await cachedFolder(dir, async (temp) => {
      const result = await runProgram('npm', ['install', '--no-audit', '--no-fund', '--prefix', temp, `${spec.pkg}@${spec.version}`], { cwd: temp, timeoutMs: 600_000 });
      if (result.code !== 0) throw new InstallFailed(result.stderr.split('\n').find((line) => /ERR!|error/i.test(line))?.trim() ?? `npm exited with ${result.code}`);
    });
  } catch (error) {
    if (!(error instanceof InstallFailed)) throw error;
    return { skip: `${spec.pkg}@${spec.version} could not be installed into ${TOOLS_DIR} (${error.message}); the real-binary tests need the npm registry once` };
  }
  if (await works(bin)) return { bin, version: spec.version };
  return { skip: `${spec.pkg}@${spec.version} was installed into ${dir} but \`${spec.bin} --version\` fails there` };
}

async function works(bin) {
  if (!existsSync(bin)) return false;
  const result = await runProgram(bin, ['--version'], { timeoutMs: 60_000 });
  return result.code === 0;
}

/** The environment without anything of the caller's agent tools, identity or git setup. */
function cleanEnv() {
  return Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^(AGENTSYNC|CLAUDE|ANTHROPIC|CODEX|GEMINI|COPILOT|OPENAI|GIT_|HUSKY)/.test(key)));
}

const GIT_ENV = {
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_AUTHOR_NAME: 'Agent',
  GIT_AUTHOR_EMAIL: 'agent@example.com',
  GIT_COMMITTER_NAME: 'Agent',
  GIT_COMMITTER_EMAIL: 'agent@example.com',
};

/**
 * Runs `codex exec PROMPT` headless in `cwd` with a temporary CODEX_HOME whose
 * config points a custom model provider at `baseUrl` (the Responses server) and
 * trusts the project; `--dangerously-bypass-hook-trust` stands for the one-time
 * review of the project's hooks a person does in Codex's TUI. `config` holds `-c key=value`
 * overrides, e.g. an MCP server's approval mode (exec has no one to ask).
 */
export async function runCodex(bin, { cwd, baseUrl, home, prompt = 'Do the task.', config = [] }) {
  mkdirSync(home, { recursive: true });
  writeFileSync(
    join(home, 'config.toml'),
    [
      // A slug of Codex's own model catalog: an unknown one gets fallback metadata without apply_patch.
      'model = "gpt-5.5"',
      'model_provider = "scripted"',
      '[model_providers.scripted]',
      'name = "scripted"',
      `base_url = ${JSON.stringify(baseUrl)}`,
      'wire_api = "responses"',
      'env_key = "SCRIPTED_API_KEY"',
      'request_max_retries = 0',
      'stream_max_retries = 0',
      `[projects.${JSON.stringify(cwd)}]`,
      'trust_level = "trusted"',
      '',
    ].join('\n'),
  );
  return runProgram(bin, ['exec', '--skip-git-repo-check', '-s', 'workspace-write', '--dangerously-bypass-hook-trust', ...config.flatMap((c) => ['-c', c]), prompt], {
    cwd,
    env: { ...cleanEnv(), ...GIT_ENV, HOME: home, CODEX_HOME: home, SCRIPTED_API_KEY: 'test-key' },
  });
}

/**
 * The environment that runs the Copilot CLI offline with its configuration in
 * `copilotHome`; its HOME is one kept in the tools cache, where the binary
 * unpacks itself once (235 MB).
 */
export function copilotEnv(copilotHome) {
  const home = join(TOOLS_DIR, `copilot-${AGENT_TOOL_PACKAGES.copilot.version}-home`);
  mkdirSync(home, { recursive: true });
  return { ...cleanEnv(), ...GIT_ENV, HOME: home, COPILOT_HOME: copilotHome, COPILOT_OFFLINE: 'true', COPILOT_AUTO_UPDATE: 'false' };
}

/**
 * Runs `copilot -p PROMPT` headless and offline (bring-your-own-key: no GitHub
 * sign-in) against the Responses server at `baseUrl`, the folder trusted
 * (COPILOT_ALLOW_ALL=true, or its repo hooks would not load).
 */
export async function runCopilot(bin, { cwd, baseUrl, copilotHome, model = 'claude-sonnet-4.5', prompt = 'Do the task.' }) {
  return runProgram(bin, ['-p', prompt], {
    cwd,
    env: {
      ...copilotEnv(copilotHome),
      COPILOT_PROVIDER_BASE_URL: baseUrl,
      COPILOT_PROVIDER_WIRE_API: 'responses',
      COPILOT_PROVIDER_API_KEY: 'test-key',
      COPILOT_MODEL: model,
      COPILOT_ALLOW_ALL: 'true',
    },
  });
}

/**
 * Runs `gemini -p PROMPT` headless in `cwd` against the Gemini server at
 * `baseUrl`, tools auto-approved, the folder trusted, with API-key auth chosen
 * in its HOME's settings (with only the variables, a base URL selects a
 * "gateway" auth that 0.61.0 refuses).
 */
export async function runGemini(bin, { cwd, baseUrl, home, prompt = 'Do the task.' }) {
  mkdirSync(join(home, '.gemini'), { recursive: true });
  writeFileSync(join(home, '.gemini', 'settings.json'), JSON.stringify({ security: { auth: { selectedType: 'gemini-api-key' } } }));
  return runProgram(bin, ['-p', prompt, '--approval-mode', 'yolo', '--output-format', 'json'], {
    cwd,
    env: { ...cleanEnv(), ...GIT_ENV, HOME: home, GEMINI_CLI_HOME: home, GOOGLE_GEMINI_BASE_URL: baseUrl, GEMINI_API_KEY: 'test-key', GEMINI_CLI_TRUST_WORKSPACE: 'true' },
  });
}

/**
 * Runs `claude -p PROMPT` headless in `cwd` against the model server at `baseUrl`,
 * with edits accepted and the Bash tool allowed; resolves with its exit code,
 * output and the parsed `--output-format json` result.
 */
export async function runClaude(bin, { cwd, baseUrl, home, env = {}, prompt = 'Do the task.' }) {
  const result = await runProgram(bin, ['-p', prompt, '--permission-mode', 'acceptEdits', '--output-format', 'json', '--allowedTools', 'Bash'], {
    cwd,
    env: { ...cleanEnv(), ...GIT_ENV, HOME: home, ANTHROPIC_BASE_URL: baseUrl, ANTHROPIC_API_KEY: 'test-key', CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1', ...env },
  });
  let json;
  try {
    json = JSON.parse(result.stdout);
  } catch {
    json = undefined;
  }
  return { ...result, json };
}
