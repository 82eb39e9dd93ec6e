/** Words that jobs which post to Slack share in their run summaries. */

/** What a run that posted nothing would have posted: a dry run, or a run without a Slack connection. */
export function wouldPost(dryRun: boolean): string {
  return dryRun ? 'would post' : 'no Slack connection: would post';
}

/** A message of this period found sent before: already posted, or sent with an unknown outcome. */
export function sentBefore(state: 'already' | 'uncertain'): string {
  return state === 'already' ? 'already posted' : 'sent before with an unknown outcome (not resent)';
}
