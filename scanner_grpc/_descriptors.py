"""The package's private descriptor pool.

Every generated module of ours registers its file here rather than in
protobuf's default pool. Another library (the official Yandex SDK among them)
may register its own version of the same proto files or message names in the
default pool; two different registrations of one name there make the second
import fail, in whichever order they happen. A separate pool keeps both, and
the messages stay wire-compatible because the wire carries only field numbers.

The files ours import from the protobuf runtime and from
googleapis-common-protos (``google/protobuf/*``, ``google/api/*``,
``google/rpc/*``) are copied into this pool from the default one.
"""

from __future__ import annotations

from google.protobuf import descriptor, descriptor_pb2, descriptor_pool, message_factory
from google.protobuf.message import Message
from google.rpc import error_details_pb2

POOL = descriptor_pool.DescriptorPool()


def add_serialized_file(serialized: bytes) -> descriptor.FileDescriptor:
    """Registers a serialized ``FileDescriptorProto`` and whatever it imports."""
    proto = descriptor_pb2.FileDescriptorProto.FromString(serialized)
    for dependency in proto.dependency:
        _copy_from_default_pool(dependency)
    return POOL.AddSerializedFile(serialized)


def _copy_from_default_pool(name: str) -> None:
    try:
        POOL.FindFileByName(name)
        return
    except KeyError:
        pass
    # Our generated modules import a dependency's *_pb2 module before they
    # register themselves, so the default pool already holds it.
    source = descriptor_pool.Default().FindFileByName(name)
    for dependency in source.dependencies:
        _copy_from_default_pool(dependency.name)
    POOL.AddSerializedFile(source.serialized_pb)


_OptionsDescriptor = (
    descriptor.FieldDescriptor
    | descriptor.OneofDescriptor
    | descriptor.MethodDescriptor
    | descriptor.Descriptor
)


def options_of(element: _OptionsDescriptor) -> Message:
    """Returns the options of a descriptor of ours, readable with our extensions.

    ``GetOptions()`` answers with the default pool's options classes, which
    keep the extensions declared in this pool as unknown fields. Parsing the
    same bytes into this pool's class of the same name makes them readable.
    """
    options = element.GetOptions()
    own_class = message_factory.GetMessageClass(
        POOL.FindMessageTypeByName(options.DESCRIPTOR.full_name)
    )
    return own_class.FromString(options.SerializeToString())


# An Operation's error is a google.rpc.Status whose details hold RequestInfo,
# BadRequest and the like, next to our own messages in its Any fields; JSON
# conversion resolves every Any from one pool, so this one needs them too.
_copy_from_default_pool(error_details_pb2.DESCRIPTOR.name)
