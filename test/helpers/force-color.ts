// Chalk decides its colour level when first imported, and sees no terminal under the test runner.
// Importing this module before Ink turns colours on, so that tests can tell colour from monochrome.
process.env.FORCE_COLOR = '1';
