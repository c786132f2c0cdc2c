// Temporal Cloud's billable Actions of one workflow execution, counted from its event history. The one place the
// benchmark's counting rule lives (docs/benchmark.md, "Billable actions", cites it).
import type { WorkflowHandle } from '@temporalio/client';

export type HistoryEvent = NonNullable<Awaited<ReturnType<WorkflowHandle['fetchHistory']>>['events']>[number];

/** Actions by kind; `total` is their sum. */
export type BillableActions = Record<string, number> & { total: number };

/** The search attribute the SDKs keep for patched()/getVersion: Temporal Cloud does not bill its upserts. */
const CHANGE_VERSION = 'TemporalChangeVersion';

/**
 * The counting rule, as Temporal documents what Temporal Cloud bills ("Temporal Cloud Actions",
 * https://docs.temporal.io/cloud/actions, its Workflow, Activity, Timer, Signal, Update and Nexus sections and their
 * History Event Type tables), applied to one execution's history:
 *
 * - Workflow started (WorkflowExecutionStarted): 1. A de-duplicated start is not in this history; Continue-As-New is
 *   billed as the new run's start, so its ContinuedAsNew event counts nothing here. Update-With-Start: the start 1,
 *   the update 1 more (below). Signal-With-Start is documented as one Action in total, which a history cannot tell
 *   from a start plus a signal; no workflow this benchmark runs is started that way.
 * - Start Child Workflow initiated: 2 (the recorded intent and the attempt to start).
 * - Activity started or retried: 1 per ActivityTaskScheduled, plus `attempt - 1` retries read from its
 *   ActivityTaskStarted (intermediate attempts leave no event of their own).
 * - Local activities: all markers one workflow task records count as ONE Action ("Temporal Cloud counts all
 *   RecordMarkers from each Workflow Task as one action"), whatever the marker (local activity, side effect, a
 *   patch/version marker): grouped here by the marker's workflowTaskCompletedEventId. Local-activity retries are
 *   billed from the WorkflowTaskCompleted's meteringMetadata.nonfirstLocalActivityExecutionAttempts.
 * - Timer started (TimerStarted): 1, including the implicit timer of a `condition(fn, timeout)`.
 * - Signal received (WorkflowExecutionSignaled): 1; a signal to another workflow is billed in the receiver's history,
 *   so SignalExternalWorkflowExecutionInitiated counts nothing here.
 * - Update accepted (WorkflowExecutionUpdateAccepted): 1. A rejected update is billed too but never written to
 *   history, so it is not counted: a lean order refuses an Amazon notification that changes nothing in its
 *   validator (about one per order in the bench), which this count leaves out.
 * - Search attribute upsert (UpsertWorkflowSearchAttributes): 1 per command, except one that sets only
 *   TemporalChangeVersion (exempt); attributes given at the start are free.
 * - Workflow execution options updated: 1. Nexus operation scheduled, and its cancellation requested: 1 each.
 *
 * Not in any history, so not counted: queries (1 Action each when a worker answers one), activity heartbeats that
 * reach the server, workflow-task heartbeats of long local activities, schedules' own Actions, export.
 */
export function billableActions(events: readonly HistoryEvent[]): BillableActions {
  const out: Record<string, number> = {};
  const add = (kind: string, n: number) => {
    if (n > 0) out[kind] = (out[kind] ?? 0) + n;
  };
  const markerTasks = new Set<string>();
  for (const e of events) {
    if (e.workflowExecutionStartedEventAttributes) add('workflowStarted', 1);
    if (e.startChildWorkflowExecutionInitiatedEventAttributes) add('childWorkflowStarted', 2);
    if (e.activityTaskScheduledEventAttributes) add('activityStarted', 1);
    const attempt = e.activityTaskStartedEventAttributes?.attempt;
    if (attempt) add('activityRetried', attempt - 1);
    const marker = e.markerRecordedEventAttributes;
    if (marker) markerTasks.add(String(marker.workflowTaskCompletedEventId ?? e.eventId));
    add('localActivityRetried', e.workflowTaskCompletedEventAttributes?.meteringMetadata?.nonfirstLocalActivityExecutionAttempts ?? 0);
    if (e.timerStartedEventAttributes) add('timerStarted', 1);
    if (e.workflowExecutionSignaledEventAttributes) add('signal', 1);
    if (e.workflowExecutionUpdateAcceptedEventAttributes) add('update', 1);
    const upsert = e.upsertWorkflowSearchAttributesEventAttributes;
    if (upsert && Object.keys(upsert.searchAttributes?.indexedFields ?? {}).some((k) => k !== CHANGE_VERSION)) add('searchAttributesUpserted', 1);
    if (e.workflowExecutionOptionsUpdatedEventAttributes) add('workflowOptionsUpdated', 1);
    if (e.nexusOperationScheduledEventAttributes) add('nexusOperationScheduled', 1);
    if (e.nexusOperationCancelRequestedEventAttributes) add('nexusOperationCancelRequested', 1);
  }
  add('markersOfAWorkflowTask', markerTasks.size);
  const total = Object.values(out).reduce((a, b) => a + b, 0);
  return Object.assign(out, { total });
}
