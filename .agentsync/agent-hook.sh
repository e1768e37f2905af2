#!/bin/sh
# Written by `agentsync init`; the agent tools' hooks run it (docs/agent-tools.md).
#   sh .agentsync/agent-hook.sh edit|start|pre-shell|shell|stop claude|codex|gemini|copilot|cursor
# The tool's JSON payload comes on stdin and goes on to `agentsync hook agent-EVENT`.
# An edit is refused whenever the check cannot run (fail closed).
event=$1
tool=$2

refuse() {
  reason="AgentSync could not check this edit, so it is refused (fail closed): $1"
  case "$tool" in
    copilot) printf '{"permissionDecision":"deny","permissionDecisionReason":"%s"}\n' "$reason" ;;
    cursor) printf '{"permission":"deny","user_message":"%s","agent_message":"%s"}\n' "$reason" "$reason" ;;
    *) printf '%s\n' "$reason" >&2; exit 2 ;;
  esac
  exit 0
}

# The CLI of this worktree, else of the main worktree (a new worktree has no node_modules), else PATH's.
# No subshell, no dirname: this runs before every edit.
case $0 in */*) here="${0%/*}/.." ;; *) here=.. ;; esac
cli="$here/node_modules/.bin/agentsync"
if [ ! -x "$cli" ]; then
  main=$(git -C "$here" rev-parse --path-format=absolute --git-common-dir 2>/dev/null)
  cli="${main%/.git}/node_modules/.bin/agentsync"
  [ -n "$main" ] && [ -x "$cli" ] || cli=$(command -v agentsync 2>/dev/null)
fi
if [ -z "$cli" ]; then
  [ "$event" = edit ] || exit 0
  refuse "the agentsync CLI is not installed (no node_modules/.bin/agentsync in this worktree or the main one, none on PATH). Run the package install, e.g. npm install."
fi

"$cli" hook "agent-$event" --tool "$tool"
code=$?
# 0 and 2 are answers (2: a refusal, or Codex's "go on" at a stop, on stderr). Anything else is a failure.
[ "$code" -eq 0 ] || [ "$code" -eq 2 ] && exit "$code"
[ "$event" = edit ] && refuse "agentsync exited with code $code; run it with AGENTSYNC_DEBUG=1 to see why."
exit 0
