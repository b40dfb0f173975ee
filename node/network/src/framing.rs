//! Frames on a stream: an unsigned LEB128 length, then that many bytes. A frame longer than
//! its protocol's bound is refused before anything is allocated for it.

use std::io;

use futures::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

/// Reads one frame of at most `max` bytes; `None` when the stream ends between frames.
pub async fn read_frame<S: AsyncRead + Unpin>(
    stream: &mut S,
    max: usize,
) -> io::Result<Option<Vec<u8>>> {
    let mut length: u64 = 0;
    for index in 0..10 {
        let mut byte = [0u8; 1];
        if stream.read(&mut byte).await? == 0 {
            return if index == 0 {
                Ok(None)
            } else {
                Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    "the stream ended inside a frame length",
                ))
            };
        }
        length |= u64::from(byte[0] & 0x7f) << (7 * index);
        if byte[0] & 0x80 == 0 {
            if length > max as u64 {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidData,
                    format!("a frame of {length} bytes, above this protocol's {max}"),
                ));
            }
            let mut frame = vec![0u8; length as usize];
            stream.read_exact(&mut frame).await?;
            return Ok(Some(frame));
        }
    }
    Err(io::Error::new(io::ErrorKind::InvalidData, "a frame length longer than ten bytes"))
}

/// Writes `payload` as one frame and flushes it.
pub async fn write_frame<S: AsyncWrite + Unpin>(stream: &mut S, payload: &[u8]) -> io::Result<()> {
    let mut header = [0u8; 10];
    let mut length = payload.len() as u64;
    let mut used = 0;
    loop {
        let byte = (length & 0x7f) as u8;
        length >>= 7;
        header[used] = if length == 0 { byte } else { byte | 0x80 };
        used += 1;
        if length == 0 {
            break;
        }
    }
    stream.write_all(&header[..used]).await?;
    stream.write_all(payload).await?;
    stream.flush().await
}

#[cfg(test)]
mod tests {
    use futures::{executor::block_on, io::Cursor};

    use super::*;

    #[test]
    fn frames_round_trip_and_end_cleanly() {
        block_on(async {
            let mut buffer = Cursor::new(Vec::new());
            for size in [0usize, 1, 127, 128, 300, 70_000] {
                write_frame(&mut buffer, &vec![size as u8; size]).await.unwrap();
            }
            buffer.set_position(0);
            for size in [0usize, 1, 127, 128, 300, 70_000] {
                assert_eq!(
                    read_frame(&mut buffer, 70_000).await.unwrap(),
                    Some(vec![size as u8; size])
                );
            }
            assert_eq!(read_frame(&mut buffer, 10).await.unwrap(), None);
        });
    }

    #[test]
    fn oversized_truncated_and_endless_lengths_are_errors() {
        block_on(async {
            let mut buffer = Cursor::new(Vec::new());
            write_frame(&mut buffer, &[1; 100]).await.unwrap();
            buffer.set_position(0);
            let error = read_frame(&mut buffer, 99).await.unwrap_err();
            assert_eq!(error.kind(), io::ErrorKind::InvalidData);

            // A length of u64::MAX-ish never allocates.
            let mut endless = Cursor::new(vec![0xff; 11]);
            assert!(read_frame(&mut endless, 1 << 20).await.is_err());
            let mut huge = Cursor::new(vec![0xff, 0xff, 0xff, 0xff, 0x0f]);
            assert!(read_frame(&mut huge, 1 << 20).await.is_err());

            // The stream ends inside a length, then inside a payload.
            assert!(read_frame(&mut Cursor::new(vec![0x80]), 10).await.is_err());
            assert!(read_frame(&mut Cursor::new(vec![5, 1, 2]), 10).await.is_err());
        });
    }
}
