//! The Redis peer (feature `redis`): a local `redis-server` at
//! `CHANRAC_REDIS_URL` (default `redis://127.0.0.1:6379`), which
//! `scripts/bench` installs and starts. Benches that need it skip with a
//! message when no server answers.

use chanrac::number::Number;

/// The server's URL.
pub fn url() -> String {
    std::env::var("CHANRAC_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into())
}

/// A connection that answered `PING`, or `None` (with a message naming
/// `bench`) when none does.
pub fn connect(bench: &str) -> Option<redis::Connection> {
    let url = url();
    let answer = redis::Client::open(url.as_str()).and_then(|c| {
        let mut con = c.get_connection_with_timeout(std::time::Duration::from_secs(2))?;
        redis::cmd("PING").query::<String>(&mut con)?;
        Ok(con)
    });
    match answer {
        Ok(con) => Some(con),
        Err(e) => {
            eprintln!("{bench}: skipping the Redis peer: no server at {url} ({e})");
            None
        }
    }
}

/// A number as Redis holds it: its normalised digits (`84912345678`).
pub fn member(n: Number) -> String {
    n.to_string()
}

/// Makes the set `key` hold exactly `numbers` (pipelined `SADD` in batches
/// of 10,000), unless it already holds as many members as there are
/// distinct numbers (an earlier run with the same data). Returns its
/// cardinality.
pub fn load_set(
    con: &mut redis::Connection,
    key: &str,
    numbers: &[Number],
) -> redis::RedisResult<u64> {
    let mut distinct: Vec<u64> = numbers.iter().map(|n| n.to_bits()).collect();
    distinct.sort_unstable();
    distinct.dedup();
    let have: u64 = redis::cmd("SCARD").arg(key).query(con)?;
    if have == distinct.len() as u64 {
        return Ok(have);
    }
    redis::cmd("DEL").arg(key).query::<()>(con)?;
    for batch in numbers.chunks(10_000) {
        let mut p = redis::pipe();
        let mut sadd = redis::cmd("SADD");
        sadd.arg(key);
        for n in batch {
            sadd.arg(member(*n));
        }
        p.add_command(sadd).ignore();
        p.query::<()>(con)?;
    }
    redis::cmd("SCARD").arg(key).query(con)
}
