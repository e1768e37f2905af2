/** The commit-msg hook: the session's trailers, and the approvals gates ask for. */
import { readFile, writeFile } from 'node:fs/promises';
import { stagedChange } from '../git/changes';
import { git, type Repo } from '../git/git';
import { gateFindings } from '../domain/policy';
import { activeSession } from '../domain/state';
import { parseTrailerLines, type Trailer } from '../domain/trailers';
import { runHook, uniquePaths, type HookOutcome } from './run-hook';

/** Parses the message's trailers as git understands them. */
async function parseTrailers(repo: Repo, message: string): Promise<Trailer[]> {
  return parseTrailerLines(await git(['interpret-trailers', '--parse', '--no-divider'], { cwd: repo.root, input: message }));
}

/** Messages git will squash into another commit: they need no trailers of their own. */
const SQUASH_PREFIX = /^(fixup|squash|amend)! /;

/**
 * Whether the message says anything besides comments and the diff under the
 * scissors line: git aborts a commit whose message is empty, and trailers
 * added to it would turn that abort into a commit.
 */
function hasText(message: string): boolean {
  const body = message.split(/^# -+ >8 -+$/m)[0];
  return body.split('\n').some((line) => line.trim() !== '' && !line.startsWith('#'));
}

/**
 * commit-msg: adds `Agent:`, `Agent-Session:` and `Agent-Tier:` for an agent in
 * a session (each only where the message lacks it), and requires `Approved-by:`
 * where a gate asks for it.
 */
export function commitMsg(repo: Repo, env: NodeJS.ProcessEnv, messageFile: string): Promise<HookOutcome> {
  return runHook('commit-msg', repo, env, async (ctx) => {
    const session = ctx.agent ? activeSession(ctx.state, ctx.agent, ctx.now) : undefined;
    const needsApproval = ctx.config.gates.some((gate) => gate.requires === 'approval');
    if (!session && !needsApproval) return [];
    const message = await readFile(messageFile, 'utf8');
    const trailers = await parseTrailers(repo, message);
    if (session && hasText(message) && !SQUASH_PREFIX.test(message)) {
      const present = new Set(trailers.map((t) => t.key.toLowerCase()));
      const missing = [`Agent: ${session.agent}`, `Agent-Session: ${session.id}`, `Agent-Tier: ${session.tier}`].filter(
        (trailer) => !present.has(trailer.slice(0, trailer.indexOf(':')).toLowerCase()),
      );
      // --no-divider: a `---` line in a message is text, as for git commit's own --trailer (and
      // git 2.39 loops forever on a message with both `---` and a scissors line without it).
      // --if-exists add: git matches trailer keys by prefix, so `Agent:` would swallow `Agent-Tier:`.
      // The final newline: without it (git merge writes none) git glues the trailers to the subject.
      if (missing.length > 0) {
        const out = await git(['interpret-trailers', '--no-divider', '--if-exists', 'add', ...missing.flatMap((t) => ['--trailer', t])], {
          cwd: repo.root,
          input: message.endsWith('\n') ? message : `${message}\n`,
        });
        await writeFile(messageFile, out);
      }
    }
    if (!needsApproval) return [];
    const { changes } = await stagedChange(repo);
    return gateFindings({ ...ctx, paths: uniquePaths(changes), trailers }).filter((f) => f.rule === 'approval');
  });
}
