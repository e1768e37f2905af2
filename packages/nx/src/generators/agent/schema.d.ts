import type { Risk } from '@agentsync/core/config';

export interface AgentGeneratorSchema {
  /** The agent's id, as given to `--agent` or AGENTSYNC_AGENT. */
  name: string;
  /** What the agent does here, in a few words. */
  role?: string;
  /** The complexity tier (1–4) it usually works at. */
  tier?: number;
  /** The model it should use. */
  model?: string;
  /** The highest risk level it may touch. */
  maxRisk?: Risk;
  /** Extra instructions, listed with the agent in AGENTS.md. */
  instructions?: string;
  /** Skip formatting the files written. */
  skipFormat?: boolean;
}
