import { renderInTestApp } from '@backstage/test-utils';
import { screen } from '@testing-library/react';
import { PeriscopePageLayout } from './PeriscopePageLayout';

describe('PeriscopePageLayout', () => {
  it('draws the page title as the page heading above the page', async () => {
    await renderInTestApp(
      <PeriscopePageLayout title="Health overview">
        <p>findings table</p>
      </PeriscopePageLayout>,
    );
    expect(screen.getByRole('heading', { level: 1 })).toHaveTextContent(
      'Health overview',
    );
    expect(screen.getByText('findings table')).toBeInTheDocument();
  });
});
