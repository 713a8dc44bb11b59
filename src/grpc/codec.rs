//! The codec of pactwire's services (set for the generated code in
//! `build.rs`): prost's, except that a message that is not valid protobuf
//! is INVALID_ARGUMENT, the sender's fault, where prost's decoder answers
//! INTERNAL.

use std::marker::PhantomData;

use prost::Message;
use tonic::Status;
use tonic::codec::DecodeBuf;
use tonic_prost::ProstEncoder;

pub struct Codec<T, U>(PhantomData<(T, U)>);

impl<T, U> Default for Codec<T, U> {
    fn default() -> Self {
        Codec(PhantomData)
    }
}

impl<T, U> tonic::codec::Codec for Codec<T, U>
where
    T: Message + Send + 'static,
    U: Message + Default + Send + 'static,
{
    type Encode = T;
    type Decode = U;
    type Encoder = ProstEncoder<T>;
    type Decoder = Decoder<U>;

    fn encoder(&mut self) -> Self::Encoder {
        ProstEncoder::default()
    }

    fn decoder(&mut self) -> Self::Decoder {
        Decoder(PhantomData)
    }
}

pub struct Decoder<U>(PhantomData<U>);

impl<U: Message + Default> tonic::codec::Decoder for Decoder<U> {
    type Item = U;
    type Error = Status;

    fn decode(&mut self, buf: &mut DecodeBuf<'_>) -> Result<Option<U>, Status> {
        // prost's own error, typed: no status message of tonic's needs to
        // be recognised to tell a malformed message from a server fault.
        U::decode(buf)
            .map(Some)
            .map_err(|err| Status::invalid_argument(err.to_string()))
    }
}
