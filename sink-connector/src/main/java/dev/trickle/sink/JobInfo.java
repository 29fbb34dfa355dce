package dev.trickle.sink;

/**
 * Who applies a tick and as part of which execution unit, written into its refresh-history row so that
 * pgtrickle.parallel_job_status() and get_refresh_history() show the job.
 *
 * @param unitKey  the unit's key in pgtrickle.parallel_plan() (the stream table's name for a singleton)
 * @param unitKind SINGLETON or ATOMIC_GROUP
 * @param worker   the sink task and worker thread
 */
record JobInfo(String unitKey, String unitKind, String worker) {
}
