use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};
use uuid::Uuid;

/// An isolated database for one test, copied from a migrated template.
pub struct TestDb {
    pub name: String,
    pub url: String,
}

fn admin_url() -> String {
    std::env::var("TEST_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned())
}

fn url_for(db: &str) -> String {
    let admin = admin_url();
    let base = admin.rsplit_once('/').map_or(admin.as_str(), |(b, _)| b);
    format!("{base}/{db}")
}

/// Names the template after the migrations, so a changed migration gets a new template.
fn template_name() -> String {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../migrations");
    let mut entries: Vec<_> = walk(std::path::Path::new(dir));
    entries.sort();
    let mut hasher = DefaultHasher::new();
    for (path, content) in entries {
        path.hash(&mut hasher);
        content.hash(&mut hasher);
    }
    format!("chat_tpl_{:016x}", hasher.finish())
}

fn walk(dir: &std::path::Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).expect("migrations dir").flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else if let Ok(content) = std::fs::read(&path) {
            out.push((path.to_string_lossy().into_owned(), content));
        }
    }
    out
}

async fn exists(conn: &mut AsyncPgConnection, name: &str) -> bool {
    #[derive(diesel::QueryableByName)]
    struct Found {
        #[diesel(sql_type = diesel::sql_types::Integer)]
        #[expect(dead_code, reason = "only whether a row comes back matters")]
        one: i32,
    }
    diesel::sql_query("SELECT 1 AS one FROM pg_database WHERE datname = $1")
        .bind::<diesel::sql_types::Text, _>(name)
        .get_results::<Found>(conn)
        .await
        .map(|rows| !rows.is_empty())
        .unwrap_or(false)
}

impl TestDb {
    pub async fn new() -> Self {
        let mut admin = AsyncPgConnection::establish(&admin_url())
            .await
            .expect("connect to PostgreSQL (TEST_DATABASE_URL)");
        let template = template_name();
        if !exists(&mut admin, &template).await {
            // One process builds the template; the others wait on the lock, then find it.
            diesel::sql_query("SELECT pg_advisory_lock(7242001)")
                .execute(&mut admin)
                .await
                .expect("lock");
            if !exists(&mut admin, &template).await {
                let building = format!("chat_tplbuild_{}", Uuid::new_v4().simple());
                diesel::sql_query(format!("CREATE DATABASE {building}"))
                    .execute(&mut admin)
                    .await
                    .expect("create template");
                chat_db::run_migrations(&url_for(&building))
                    .await
                    .expect("migrate template");
                diesel::sql_query(format!("ALTER DATABASE {building} RENAME TO {template}"))
                    .execute(&mut admin)
                    .await
                    .expect("rename template");
            }
            diesel::sql_query("SELECT pg_advisory_unlock(7242001)")
                .execute(&mut admin)
                .await
                .expect("unlock");
        }
        let name = format!("test_{}", Uuid::new_v4().simple());
        let mut tries = 0;
        loop {
            // Copying fails while another session is connected to the template; retry briefly.
            match diesel::sql_query(format!("CREATE DATABASE {name} TEMPLATE {template}"))
                .execute(&mut admin)
                .await
            {
                Ok(_) => break,
                Err(e) if tries < 50 => {
                    tries += 1;
                    let _ = e;
                    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                }
                Err(e) => panic!("create test database: {e}"),
            }
        }
        Self {
            url: url_for(&name),
            name,
        }
    }

    /// A connection to this test's database.
    pub async fn conn(&self) -> AsyncPgConnection {
        AsyncPgConnection::establish(&self.url)
            .await
            .expect("connect to test database")
    }
}

impl Drop for TestDb {
    /// Drops the test's database when the test ends (`KEEP_TEST_DB=1` keeps it to look at).
    /// Services still connected to it are disconnected (`WITH (FORCE)`). Runs on a thread of
    /// its own, as a drop cannot await and the test's runtime may be ending.
    fn drop(&mut self) {
        if std::env::var_os("KEEP_TEST_DB").is_some() {
            return;
        }
        let name = self.name.clone();
        let dropped = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .ok()?;
            runtime.block_on(async {
                let mut admin = AsyncPgConnection::establish(&admin_url()).await.ok()?;
                diesel::sql_query(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                    .execute(&mut admin)
                    .await
                    .ok()
            })
        })
        .join();
        if !matches!(dropped, Ok(Some(_))) {
            eprintln!("could not drop the test database {}", self.name);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_test_database_is_gone_when_the_test_ends() {
        let db = TestDb::new().await;
        let name = db.name.clone();
        let mut admin = AsyncPgConnection::establish(&admin_url()).await.unwrap();
        assert!(exists(&mut admin, &name).await);
        drop(db);
        assert!(!exists(&mut admin, &name).await, "{name} is still there");
    }
}
