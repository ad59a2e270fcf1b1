/**
 * A field of a protobuf message: `[number, jsonName, type, flags]`. `type` is a scalar code
 * (`s` string, `b` bool, `i` integer, `f` double, `y` bytes, `t` Time, `mt` MicroTime, `q` Quantity,
 * `ios` IntOrString, `raw` RawExtension/FieldsV1, `d` Duration) or the name of a message; `flags`
 * holds `r` repeated, `m` map with string keys, `o` omitempty in JSON, `p` pointer in Go,
 * `n` inline in JSON (the message's fields belong to the parent object), `z` omitzero in JSON.
 */
export type ProtoField = [number, string, string, string];

/** Messages by name, and the list message of each kind. */
export interface ProtoSchema {
  lists: Record<string, string>;
  types: Record<string, ProtoField[]>;
}
