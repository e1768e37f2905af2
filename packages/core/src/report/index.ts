/**
 * `agentsync report`: merge conflicts, deploys, rework, health and
 * coordination measured on the repository's own history (docs/report.md).
 * ./collect reads git, ./metrics computes, ./render-* present.
 */
import type { AgentSyncConfig } from '../config/schema';
import { UsageError } from '../errors';
import type { Repo } from '../git/git';
import { collectFacts, type ReportProgress } from './collect';
import { buildReport, type Report } from './metrics';

export { parseReportDate } from './dates';
export { renderHtml } from './render-html';
export { renderMarkdown, renderTable } from './render-text';
export type { Report, ReportProgress };

/** How long after being written a changed line counts as rework. */
export const REWORK_WINDOW_DAYS = 21;
export const DEFAULT_RELEASE_TAGS = 'v*';

export interface ReportRequest {
  since?: number;
  until?: number;
  branch?: string;
  /** A glob over tag names; default `v*`. */
  tags?: string;
  now: Date;
  onProgress?: ReportProgress;
}

/** Reads the history and computes the report for the window. */
export async function runReport(repo: Repo, config: AgentSyncConfig, request: ReportRequest): Promise<Report> {
  if (request.since !== undefined && request.until !== undefined && request.since >= request.until) {
    throw new UsageError(`--since (${new Date(request.since).toISOString()}) is not before --until (${new Date(request.until).toISOString()}).`, {
      hint: 'Give a --since earlier than --until.',
    });
  }
  const facts = await collectFacts(repo, {
    branch: request.branch,
    since: request.since,
    until: request.until,
    tagPattern: request.tags ?? DEFAULT_RELEASE_TAGS,
    reworkWindowDays: REWORK_WINDOW_DAYS,
    config,
    now: request.now,
    onProgress: request.onProgress,
  });
  return buildReport(facts, { hotFiles: config.hotFiles.map((h) => h.path), tiers: config.tiers, reworkWindowDays: REWORK_WINDOW_DAYS });
}
