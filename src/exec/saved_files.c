/*-------------------------------------------------------------------------
 *
 * saved_files.c
 *	  A saver's file appears when the run's transaction commits, and not
 *	  otherwise (features-b, issue 13 item 9).
 *
 * A file is no table: COPY TO writes it at once, and a rollback would not
 * take it back.  So a saver writes a file of its own beside the one it
 * names (files.c), and it is renamed over it when the transaction that
 * wrote it commits: a run that fails, or is rolled back, leaves the file
 * as it was, as it leaves every earlier result.  The pending files follow
 * the subtransactions they were written in: a step's subtransaction that
 * aborts (a failed run, whose error a caller caught) removes its files;
 * one that commits hands them to its parent.  The rename is durable
 * (durable_rename) and happens just before the commit, where an error
 * still aborts the transaction.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <unistd.h>

#include "access/xact.h"
#include "miscadmin.h"
#include "storage/fd.h"
#include "utils/memutils.h"

#include "exec.h"

/* A file written aside, waiting for the commit. */
typedef struct PendingFile
{
	char	   *aside;			/* where COPY wrote it */
	char	   *path;			/* where it goes */
	SubTransactionId subid;		/* the subtransaction that wrote it */
} PendingFile;

/*
 * The pending files, in a context of their own under TopMemoryContext:
 * they outlive every context of the run, until the transaction ends.
 */
static MemoryContext pending_cxt = NULL;
static List *pending = NIL;

static void saved_files_xact(XactEvent event, void *arg);
static void saved_files_subxact(SubXactEvent event, SubTransactionId mySubid,
								SubTransactionId parentSubid, void *arg);
static void forget_pending(SubTransactionId subid, bool all);

/*
 * saved_file_aside returns where a saver writes path's new content in this
 * transaction: a file beside it, renamed over it at commit.
 */
char *
saved_file_aside(const char *path)
{
	static unsigned counter = 0;
	MemoryContext old;
	PendingFile *p;

	if (pending_cxt == NULL)
	{
		pending_cxt = AllocSetContextCreate(TopMemoryContext, "hamilton saved files",
											ALLOCSET_SMALL_SIZES);
		RegisterXactCallback(saved_files_xact, NULL);
		RegisterSubXactCallback(saved_files_subxact, NULL);
	}
	old = MemoryContextSwitchTo(pending_cxt);
	p = palloc(sizeof(PendingFile));
	p->path = pstrdup(path);
	p->aside = psprintf("%s.hamilton-%d-%u.tmp", path, MyProcPid, ++counter);
	p->subid = GetCurrentSubTransactionId();
	pending = lappend(pending, p);
	MemoryContextSwitchTo(old);
	return p->aside;
}

/*
 * saved_files_xact renames the pending files over their paths before the
 * commit, in the order they were written, and removes them on abort.
 */
static void
saved_files_xact(XactEvent event, void *arg)
{
	ListCell   *lc;

	switch (event)
	{
		case XACT_EVENT_PRE_COMMIT:
		case XACT_EVENT_PARALLEL_PRE_COMMIT:
			foreach(lc, pending)
			{
				PendingFile *p = lfirst(lc);

				(void) durable_rename(p->aside, p->path, ERROR);
			}
			pending = NIL;
			MemoryContextReset(pending_cxt);
			break;
		case XACT_EVENT_PRE_PREPARE:
			if (pending != NIL)
				ereport(ERROR,
						(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
						 errmsg("cannot prepare a transaction whose run saved files"),
						 errdetail("A saver's file is put in place when its transaction commits, and a prepared transaction commits elsewhere.")));
			break;
		case XACT_EVENT_ABORT:
		case XACT_EVENT_PARALLEL_ABORT:
			forget_pending(InvalidSubTransactionId, true);
			break;
		default:
			break;
	}
}

/*
 * saved_files_subxact: a subtransaction that aborts takes its files with
 * it; one that commits gives them to its parent.
 */
static void
saved_files_subxact(SubXactEvent event, SubTransactionId mySubid,
					SubTransactionId parentSubid, void *arg)
{
	ListCell   *lc;

	if (event == SUBXACT_EVENT_ABORT_SUB)
		forget_pending(mySubid, false);
	else if (event == SUBXACT_EVENT_COMMIT_SUB)
		foreach(lc, pending)
		{
			PendingFile *p = lfirst(lc);

			if (p->subid == mySubid)
				p->subid = parentSubid;
		}
}

/*
 * forget_pending removes the files written aside by subtransaction subid
 * (or all of them), which never reach their paths.
 */
static void
forget_pending(SubTransactionId subid, bool all)
{
	List	   *keep = NIL;
	ListCell   *lc;
	MemoryContext old;

	if (pending == NIL)
		return;
	old = MemoryContextSwitchTo(pending_cxt);
	foreach(lc, pending)
	{
		PendingFile *p = lfirst(lc);

		if (all || p->subid == subid)
		{
			if (unlink(p->aside) != 0 && errno != ENOENT)
				ereport(WARNING,
						(errcode_for_file_access(),
						 errmsg("could not remove file \"%s\": %m", p->aside)));
		}
		else
			keep = lappend(keep, p);
	}
	pending = keep;
	MemoryContextSwitchTo(old);
	if (pending == NIL)
		MemoryContextReset(pending_cxt);
}
