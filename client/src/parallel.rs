//! An ordered parallel map over a stream: items go to worker threads, results come back in
//! input order, and at most a few items are in flight, so memory stays bounded.

use std::{collections::BTreeMap, sync::mpsc, sync::Mutex};

/// Runs `work` on every item of `inputs` on `workers` threads and hands the results to
/// `consume` in input order. At most `2 × workers` items are in flight. The first error
/// (from an input, `work` or `consume`) stops everything and is returned.
pub fn ordered_map<T, R, E>(
    inputs: impl Iterator<Item = Result<T, E>>,
    workers: usize,
    work: impl Fn(u64, T) -> Result<R, E> + Sync,
    mut consume: impl FnMut(u64, R) -> Result<(), E>,
) -> Result<(), E>
where
    T: Send,
    R: Send,
    E: Send,
{
    let workers = workers.max(1);
    let (job_tx, job_rx) = mpsc::sync_channel::<(u64, T)>(workers);
    let (result_tx, result_rx) = mpsc::sync_channel::<(u64, Result<R, E>)>(workers);
    let job_rx = Mutex::new(job_rx);
    std::thread::scope(|scope| {
        for _ in 0..workers {
            let (job_rx, result_tx, work) = (&job_rx, result_tx.clone(), &work);
            scope.spawn(move || loop {
                let job = job_rx.lock().map(|rx| rx.recv());
                let Ok(Ok((index, item))) = job else { return };
                if result_tx.send((index, work(index, item))).is_err() {
                    return;
                }
            });
        }
        drop(result_tx);

        let mut pending: BTreeMap<u64, R> = BTreeMap::new();
        let mut next_out = 0u64;
        let mut sent = 0u64;
        let mut outcome: Result<(), E> = Ok(());
        let mut inputs = inputs;
        let mut exhausted = false;
        // Feed while results drain, keeping at most 2 × workers items in flight.
        while outcome.is_ok() {
            while !exhausted && sent - next_out < 2 * workers as u64 {
                match inputs.next() {
                    Some(Ok(item)) => {
                        if job_tx.send((sent, item)).is_err() {
                            exhausted = true;
                        }
                        sent += 1;
                    }
                    Some(Err(error)) => {
                        outcome = Err(error);
                        exhausted = true;
                    }
                    None => exhausted = true,
                }
            }
            if outcome.is_err() || next_out == sent {
                break;
            }
            match result_rx.recv() {
                Ok((index, Ok(result))) => {
                    pending.insert(index, result);
                    while let Some(result) = pending.remove(&next_out) {
                        if let Err(error) = consume(next_out, result) {
                            outcome = Err(error);
                            break;
                        }
                        next_out += 1;
                    }
                }
                Ok((_, Err(error))) => outcome = Err(error),
                Err(_) => break,
            }
        }
        drop(job_tx);
        // Let workers finish what they hold; their results are dropped.
        while result_rx.recv().is_ok() {}
        outcome
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_come_back_in_order() {
        let mut seen = Vec::new();
        let result: Result<(), String> = ordered_map(
            (0..100u64).map(Ok),
            3,
            |_, x| {
                std::thread::sleep(std::time::Duration::from_micros((x * 37) % 200));
                Ok(x * 2)
            },
            |index, y| {
                assert_eq!(y, index * 2);
                seen.push(y);
                Ok(())
            },
        );
        assert!(result.is_ok());
        assert_eq!(seen, (0..100).map(|x| x * 2).collect::<Vec<_>>());
    }

    #[test]
    fn the_first_error_stops_the_run() {
        let result: Result<(), String> = ordered_map(
            (0..100u64).map(Ok),
            2,
            |_, x| if x == 40 { Err(format!("bad {x}")) } else { Ok(x) },
            |_, _| Ok(()),
        );
        assert_eq!(result, Err("bad 40".into()));
        let result: Result<(), String> = ordered_map(
            (0..10u64).map(|x| if x == 5 { Err("read".into()) } else { Ok(x) }),
            2,
            |_, x| Ok(x),
            |_, _| Ok(()),
        );
        assert_eq!(result, Err("read".into()));
    }
}
