//! Years of history for the demo organisation, generated in bulk: how the
//! benchmark (and the tests that check speed does not depend on age) get an
//! organisation as it will look after one or ten years.
//!
//! It adds, to the live programme, weekly and monthly values reaching back
//! `years` years, a month of actual investment and benefit for each, an
//! ExCo review of each month, and
//! `audit_rows` audit entries (chained like any other). Values are written
//! with one statement per kind rather than through the audited path, for
//! speed: this is test data, not a record of anyone's work.

use chrono::{DateTime, Utc};
use sqlx::PgPool;
use uuid::Uuid;

use super::live;

/// Adds the history. Running it twice adds audit rows again but no values twice.
pub async fn generate(
    pool: &PgPool,
    years: i32,
    audit_rows: i64,
    now: DateTime<Utc>,
) -> anyhow::Result<()> {
    let (programme_id, organisation_id): (Uuid, Uuid) =
        sqlx::query_as("SELECT id, organisation_id FROM programmes WHERE name = $1")
            .bind(live::NAME)
            .fetch_one(pool)
            .await?;
    let weeks = i64::from(years) * 52;
    let months = i64::from(years) * 12;
    let mut tx = pool.begin().await?;
    sqlx::query(
        "INSERT INTO metric_values (id, organisation_id, programme_id, metric_id, period, value, note, recorded_at)
         SELECT gen_random_uuid(), $2, $1, m.metric_id, to_char(d, 'IYYY-\"W\"IW'),
                round((20 + 10 * sin(extract(epoch FROM d) / 1e6))::numeric, 2)::float8, '', d
           FROM (SELECT DISTINCT metric_id FROM metric_values WHERE programme_id = $1 AND period LIKE '%-W%') m,
                generate_series($3::timestamptz - make_interval(weeks => $4::int), $3::timestamptz, interval '1 week') d
         ON CONFLICT ON CONSTRAINT metric_values_one_per_period DO NOTHING",
    )
    .bind(programme_id)
    .bind(organisation_id)
    .bind(now)
    .bind(weeks as i32)
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "INSERT INTO metric_values (id, organisation_id, programme_id, metric_id, period, value, note, recorded_at)
         SELECT gen_random_uuid(), $2, $1, m.metric_id, to_char(d, 'YYYY-MM'),
                round((5 + 2 * sin(extract(epoch FROM d) / 1e7))::numeric, 2)::float8, '', d
           FROM (SELECT DISTINCT metric_id FROM metric_values WHERE programme_id = $1 AND period NOT LIKE '%-W%') m,
                generate_series($3::timestamptz - make_interval(months => $4::int), $3::timestamptz, interval '1 month') d
         ON CONFLICT ON CONSTRAINT metric_values_one_per_period DO NOTHING",
    )
    .bind(programme_id)
    .bind(organisation_id)
    .bind(now)
    .bind(months as i32)
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "INSERT INTO roi_actuals (programme_id, organisation_id, month, investment, benefit, recorded_at)
         SELECT $1, $2, to_char(d, 'YYYY-MM'), 50000, 60000, d
           FROM generate_series($3::timestamptz - make_interval(months => $4::int), $3::timestamptz, interval '1 month') d
         ON CONFLICT ON CONSTRAINT roi_actuals_pkey DO NOTHING",
    )
    .bind(programme_id)
    .bind(organisation_id)
    .bind(now)
    .bind(months as i32)
    .execute(&mut *tx)
    .await?;
    // A monthly ExCo review for every month of the history (opened, with
    // both narratives; the recent, real ones are held and frozen).
    sqlx::query(
        "INSERT INTO exco_reviews (id, organisation_id, programme_id, month, meeting_on, strategy, operations,
                                   attendees, opened_at)
         SELECT gen_random_uuid(), $2, $1, to_char(d, 'YYYY-MM'), (d + interval '40 days')::date,
                'Strategic narrative of the month.', 'Operational outcomes of the month.', 'CEO, COO, ExCo', d
           FROM generate_series($3::timestamptz - make_interval(months => $4::int), $3::timestamptz, interval '1 month') d
         ON CONFLICT ON CONSTRAINT exco_reviews_month_key DO NOTHING",
    )
    .bind(programme_id)
    .bind(organisation_id)
    .bind(now)
    .bind(months as i32)
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "INSERT INTO audit_log (organisation_id, action, object_type, object_id, after, at)
         SELECT $2, 'history.generated', 'programme', $1, jsonb_build_object('n', n), now()
           FROM generate_series(1, $3::bigint) n",
    )
    .bind(programme_id)
    .bind(organisation_id)
    .bind(audit_rows)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(())
}
