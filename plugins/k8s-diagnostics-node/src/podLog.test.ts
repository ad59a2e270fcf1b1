import { ClusterRequestError, KubeHttp } from './client';
import { readPodLogText } from './podLog';

const httpAnswering = (text: string) =>
  ({ getText: async () => text } as unknown as KubeHttp);

describe('readPodLogText', () => {
  it('returns the log as the API server sent it', async () => {
    await expect(
      readPodLogText(httpAnswering('starting\nERROR: x\n'), '/log'),
    ).resolves.toBe('starting\nERROR: x\n');
  });

  it("refuses the kubelet's line for a removed container, saying to read again", async () => {
    const read = readPodLogText(
      httpAnswering(
        'unable to retrieve container logs for containerd://1c2e364bfca73e2b\n',
      ),
      '/log',
    );
    await expect(read).rejects.toBeInstanceOf(ClusterRequestError);
    await expect(read).rejects.toMatchObject({
      code: 'ContainerLogGone',
      message: expect.stringMatching(
        /no longer has this container's log .*containerd:\/\/1c2e364bfca73e2b.*read it again/,
      ),
    });
  });

  it('keeps a log that only mentions the phrase among other lines', async () => {
    const text =
      'app: unable to retrieve container logs for containerd://x\nnext\n';
    await expect(readPodLogText(httpAnswering(text), '/log')).resolves.toBe(
      text,
    );
  });
});
