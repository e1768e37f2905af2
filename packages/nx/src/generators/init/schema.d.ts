export interface InitGeneratorSchema {
  /** Skip formatting the files written. */
  skipFormat?: boolean;
  /** Skip running the package manager's install after adding devDependencies. */
  skipInstall?: boolean;
  /** The agent tools whose hooks to wire, comma-separated (default: claude,codex,gemini,copilot,cursor; "none" for none). */
  agents?: string | string[];
}
