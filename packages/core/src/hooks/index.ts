/** The git hooks' logic, one file per hook; run-hook.ts is what they share. */
export type { HookName, HookOutcome } from './run-hook';
export { preCommit, hookRunsLintStaged } from './pre-commit';
export { commitMsg } from './commit-msg';
export { prePush, type PrePushOptions } from './pre-push';
