import '@testing-library/jest-dom';
import { configure } from '@testing-library/react';

// a 2-core CI machine running several suites at once renders slowly: wait longer than 1 s
configure({ asyncUtilTimeout: 15_000 });
