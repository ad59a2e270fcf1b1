import {
  ProtoDecodeError,
  decodeProtobufList,
  goDuration,
  protobufKinds,
  protobufListStream,
} from './decode';
import {
  entry,
  envelope,
  int,
  msg,
  str,
} from '../__testUtils__/protobufWriter';

const T0 = Date.UTC(2026, 10, 22, 5, 8, 44) / 1000;

function podList(): Buffer {
  const pod = [
    ...msg(
      1, // metadata
      str(1, 'web-0'),
      str(3, 'shöp'),
      msg(8, int(1, T0)),
      entry(11, 'app', 'web'),
      msg(
        13,
        str(5, 'apps/v1'),
        str(1, 'ReplicaSet'),
        str(3, 'web-1'),
        str(4, 'u1'),
        int(6, 1),
      ),
      msg(17, str(1, 'kubectl'), msg(7, str(1, '{"f:x":{}}'))), // managedFields: skipped
    ),
    ...msg(
      2, // spec
      msg(1, str(1, 'cfg'), msg(2, msg(19, msg(1, str(1, 'web-config'))))), // Volume with inline VolumeSource
      msg(
        2,
        str(1, 'app'),
        str(2, 'nginx:1.27'),
        msg(8, msg(1, str(1, 'memory'), msg(2, str(1, '64Mi')))), // resources.limits: Quantity map
        msg(11, msg(1, msg(2, msg(2, int(1, 1), str(3, 'http')))), int(2, 5)), // readinessProbe (inline handler)
        msg(10, msg(1, msg(3, msg(1, int(2, 8080))))), // livenessProbe.tcpSocket.port as int
      ),
      str(10, ''), // nodeName "": omitempty, left out as in JSON
      str(99, 'a field from a newer server'),
    ),
    ...msg(
      3, // status
      str(1, 'Running'),
      msg(
        8,
        str(1, 'app'),
        msg(3, msg(3, int(1, -1), str(3, 'Error'), msg(6, int(1, T0 + 60)))), // lastState.terminated
        int(4, 0), // ready false: no omitempty, kept
        int(5, 3),
        str(6, 'nginx:1.27'),
        str(7, ''),
      ),
      msg(7, int(1, T0)),
    ),
  ];
  return envelope('PodList', [
    ...msg(1, str(2, '42'), str(3, 'next-page')),
    ...msg(2, ...[pod]),
  ]);
}

describe('decodeProtobufList', () => {
  it('gives the objects the JSON form would, without managedFields', () => {
    const { items, continue: next } = decodeProtobufList('Pod', podList());
    expect(next).toBe('next-page');
    expect(items).toEqual([
      {
        metadata: {
          name: 'web-0',
          namespace: 'shöp',
          creationTimestamp: '2026-11-22T05:08:44Z',
          labels: { app: 'web' },
          ownerReferences: [
            {
              apiVersion: 'apps/v1',
              kind: 'ReplicaSet',
              name: 'web-1',
              uid: 'u1',
              controller: true,
            },
          ],
        },
        spec: {
          volumes: [{ name: 'cfg', configMap: { name: 'web-config' } }],
          containers: [
            {
              name: 'app',
              image: 'nginx:1.27',
              resources: { limits: { memory: '64Mi' } },
              readinessProbe: {
                httpGet: { port: 'http' },
                initialDelaySeconds: 5,
              },
              livenessProbe: { tcpSocket: { port: 8080 } },
            },
          ],
        },
        status: {
          phase: 'Running',
          containerStatuses: [
            {
              name: 'app',
              lastState: {
                terminated: {
                  exitCode: -1,
                  reason: 'Error',
                  finishedAt: '2026-11-22T05:09:44Z',
                },
              },
              ready: false,
              restartCount: 3,
              image: 'nginx:1.27',
              imageID: '',
            },
          ],
          startTime: '2026-11-22T05:08:44Z',
        },
      },
    ]);
  });

  it('decodes the same while the body arrives in pieces of any size', () => {
    const body = Buffer.concat([
      podList(),
      Buffer.from(str(4, 'application/vnd.kubernetes.protobuf')),
    ]);
    const whole = decodeProtobufList('Pod', body);
    for (const size of [1, 2, 3, 7, 64]) {
      const stream = protobufListStream('Pod');
      for (let i = 0; i < body.length; i += size)
        stream.write(body.subarray(i, i + size));
      expect(stream.end()).toEqual(whole);
    }
    const cut = protobufListStream('Pod');
    cut.write(body.subarray(0, body.length - 50));
    expect(() => cut.end()).toThrow(
      /malformed protobuf in the Pod list: it ends inside a field/,
    );
  });

  it('writes MicroTime with microseconds and an empty Time as null', () => {
    const event = [
      ...msg(1, str(1, 'e1'), str(3, 'shop'), msg(8)), // zero creationTimestamp: omitzero, left out
      ...msg(2, str(1, 'Pod'), str(3, 'web-0')),
      ...msg(6), // firstTimestamp zero: null, as JSON writes it
      ...msg(10, int(1, T0), int(2, 123456789)),
      ...str(14, ''),
      ...str(15, ''),
    ];
    const [e] = decodeProtobufList(
      'Event',
      envelope('EventList', msg(2, event)),
    ).items;
    expect(e).toEqual({
      metadata: { name: 'e1', namespace: 'shop' },
      involvedObject: { kind: 'Pod', name: 'web-0' },
      firstTimestamp: null,
      eventTime: '2026-11-22T05:08:44.123456Z',
      reportingComponent: '',
      reportingInstance: '',
    });
  });

  it('reads the kinds the live scan asks protobuf for, and an empty list', () => {
    expect(protobufKinds().sort()).toEqual([
      'Deployment',
      'Event',
      'Node',
      'Pod',
      'ReplicaSet',
    ]);
    expect(
      decodeProtobufList('Node', envelope('NodeList', msg(1, str(2, '7')))),
    ).toEqual({ items: [], continue: undefined });
  });

  it('rejects bad input with a message that says what is wrong', () => {
    expect(() =>
      decodeProtobufList('Pod', Buffer.from('{"items":[]}')),
    ).toThrow(/not a Kubernetes protobuf message/);
    expect(() => decodeProtobufList('ConfigMap', podList())).toThrow(
      /no protobuf schema for kind ConfigMap/,
    );
    const truncated = podList().subarray(0, 60);
    expect(() => decodeProtobufList('Pod', truncated)).toThrow(
      ProtoDecodeError,
    );
    expect(() => decodeProtobufList('Pod', truncated)).toThrow(
      /malformed protobuf/,
    );
    expect(() =>
      decodeProtobufList('Pod', envelope('PodList', str(2, 'not a pod'))),
    ).toThrow(/malformed protobuf/);
    expect(() =>
      decodeProtobufList(
        'Pod',
        Buffer.from([0x6b, 0x38, 0x73, 0x00, 0x0a, 0x00]),
      ),
    ).toThrow(/has no payload/);
  });
});

describe('goDuration', () => {
  it('formats like Go time.Duration', () => {
    expect(goDuration(0)).toBe('0s');
    expect(goDuration(1_500_000)).toBe('1.5ms');
    expect(goDuration(90e9)).toBe('1m30s');
    expect(goDuration(3_723.5e9)).toBe('1h2m3.5s');
    expect(goDuration(-2e9)).toBe('-2s');
  });
});

describe('varints', () => {
  it('reads int64 and negative values exactly', () => {
    const values = [
      0,
      127,
      128,
      2 ** 28 - 1,
      2 ** 28,
      2 ** 31,
      2 ** 32 + 5,
      2 ** 53 - 1,
      -1,
      -2,
      -(2 ** 31),
      -(2 ** 40) - 3,
    ];
    for (const v of values) {
      const node = msg(
        2,
        msg(1, str(1, 'n')),
        msg(3, msg(7, msg(11, int(1, v)))),
      ); // NodeStatus.nodeInfo.swap.capacity
      const [n] = decodeProtobufList('Node', envelope('NodeList', node))
        .items as Array<{
        status: { nodeInfo: { swap: { capacity: number } } };
      }>;
      expect(n.status.nodeInfo.swap.capacity).toBe(v);
    }
    const tooLong = envelope(
      'NodeList',
      msg(2, msg(3, msg(7, msg(11, [8, ...Array(11).fill(0xff), 0x01])))),
    );
    expect(() => decodeProtobufList('Node', tooLong)).toThrow(
      /varint longer than 10 bytes/,
    );
  });
});
