/*-------------------------------------------------------------------------
 *
 * subxact.c
 *	  Running a piece of work in a subtransaction of the caller's, the way
 *	  plpgsql's exception blocks do, so that an error rolls back only that
 *	  piece and can be looked at.
 *
 *	  SubxactScope s;
 *	  subxact_begin(&s);
 *	  PG_TRY(); { ...work...; subxact_commit(&s); }
 *	  PG_CATCH(); { ErrorData *e = subxact_rollback(&s); ... }
 *	  PG_END_TRY();
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"

#include "catalog.h"

/* subxact_begin starts the subtransaction, keeping the caller's memory context. */
void
subxact_begin(SubxactScope *s)
{
	s->cxt = CurrentMemoryContext;
	s->owner = CurrentResourceOwner;
	BeginInternalSubTransaction(NULL);
	MemoryContextSwitchTo(s->cxt);
}

/* subxact_commit ends the work's subtransaction, keeping what it did. */
void
subxact_commit(SubxactScope *s)
{
	ReleaseCurrentSubTransaction();
	MemoryContextSwitchTo(s->cxt);
	CurrentResourceOwner = s->owner;
}

/*
 * subxact_rollback, in PG_CATCH, rolls the work back and returns its error
 * (in the caller's memory context); the error state is cleared.
 */
ErrorData *
subxact_rollback(SubxactScope *s)
{
	ErrorData  *edata;

	MemoryContextSwitchTo(s->cxt);
	edata = CopyErrorData();
	FlushErrorState();
	RollbackAndReleaseCurrentSubTransaction();
	MemoryContextSwitchTo(s->cxt);
	CurrentResourceOwner = s->owner;
	return edata;
}
