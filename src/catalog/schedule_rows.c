/*-------------------------------------------------------------------------
 *
 * schedule_rows.c
 *	  hamilton.schedule and the pg_cron jobs it records.
 *
 * The schedules themselves are written by hamilton_schedule and
 * hamilton_unschedule, in plpgsql (src/sql/60_schedule.sql), with the
 * caller's rights; C only removes the jobs when the extension goes.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "executor/spi.h"

#include "catalog.h"

/*
 * catalog_remove_cron_jobs removes the pg_cron jobs hamilton_schedule made
 * (hamilton.remove_cron_jobs, with the rights of whoever drops the
 * extension), before the extension and its record of them go.
 */
void
catalog_remove_cron_jobs(void)
{
	spi_exec_checked("SELECT " HAMILTON_SCHEMA ".remove_cron_jobs()", 0, NULL, NULL, NULL, SPI_OK_SELECT);
}
