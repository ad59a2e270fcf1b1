import { screen } from '@testing-library/react';
import { renderInTestApp } from '@backstage/test-utils';
import type { DeployWarning } from '@periscope/backstage-plugin-module-deploy-common';
import { PreviewWarnings } from './PreviewWarnings';

const warning = (over: Partial<DeployWarning> = {}): DeployWarning => ({
  cluster: 'local',
  analyzer: 'References',
  object: 'Deployment/shop/web',
  message:
    'ConfigMap app-config does not exist in namespace shop (referenced by envFrom of container web)',
  severity: 'high',
  blocking: false,
  ...over,
});

describe('PreviewWarnings', () => {
  it('shows nothing without warnings', async () => {
    await renderInTestApp(<PreviewWarnings warnings={[]} />);
    expect(screen.queryByLabelText('preview warnings')).toBeNull();
  });

  it('lists each warning with its cluster, object and check', async () => {
    await renderInTestApp(<PreviewWarnings warnings={[warning()]} />);
    expect(
      screen.getByText('This change would break 1 thing'),
    ).toBeInTheDocument();
    expect(
      screen.getByText(/ConfigMap app-config does not exist in namespace shop/),
    ).toHaveTextContent(
      'local: Deployment/shop/web (References): ConfigMap app-config does not exist',
    );
    expect(screen.queryByText('blocks deploy')).toBeNull();
  });

  it('says that blocking warnings refuse the deploy', async () => {
    await renderInTestApp(
      <PreviewWarnings
        warnings={[
          warning({ blocking: true }),
          warning({
            analyzer: 'Scheduling',
            message: 'no node matches nodeSelector disk=ssd',
          }),
        ]}
      />,
    );
    expect(
      screen.getByText(
        /This change would break 2 things: Deploy is refused while 1 blocking warning\(s\) remain/,
      ),
    ).toBeInTheDocument();
    expect(screen.getAllByText('blocks deploy')).toHaveLength(1);
  });

  it('notes, muted under the warnings, what the preflight could not check', async () => {
    const note =
      'c1: references to ConfigMap not checked: configmaps is forbidden';
    await renderInTestApp(
      <PreviewWarnings warnings={[warning()]} notChecked={[note, 'c2: x']} />,
    );
    const muted = screen.getByLabelText('not checked');
    expect(muted).toHaveTextContent(`Not checked: ${note}; c2: x`);
    expect(
      screen.getByText('This change would break 1 thing'),
    ).toBeInTheDocument();
    // after the warnings
    const alert = screen.getByRole('alert');
    expect(
      alert.compareDocumentPosition(muted) & Node.DOCUMENT_POSITION_FOLLOWING,
    ).toBeTruthy();
  });

  it('shows the note also when nothing would break', async () => {
    await renderInTestApp(
      <PreviewWarnings warnings={[]} notChecked={['c1: y not checked']} />,
    );
    expect(screen.getByLabelText('preview warnings')).toHaveTextContent(
      'Not checked: c1: y not checked',
    );
    expect(screen.queryByRole('alert')).toBeNull();
  });

  it('shows no note when everything was checked', async () => {
    await renderInTestApp(
      <PreviewWarnings warnings={[warning()]} notChecked={[]} />,
    );
    expect(screen.queryByLabelText('not checked')).toBeNull();
  });
});
