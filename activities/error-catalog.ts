// The error catalog lives in lib/amazon-errors.ts (one classifier for workflows, activities and the API); this module
// keeps the activities' import path.
export * from '../lib/amazon-errors';
