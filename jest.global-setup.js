// Says once, at the top of the run, which MongoDB-backed suites run and which are skipped.
module.exports = async () => {
  if (!process.env.MONGODB_URI) {
    process.stderr.write('\nMongoDB store suite skipped: MONGODB_URI is not set (CI starts FerretDB and sets it; see README).\n');
  } else if (process.env.CONCORD_TEST_STORE === 'mongodb') {
    process.stderr.write(`\nEvery suite runs on the MongoDB store at ${process.env.MONGODB_URI.replace(/\/\/[^@]*@/, '//')}.\n`);
  }
};
