/**
 * The code samples of the user guide in {@code docs/}: every Java block of the guide is copied from these
 * classes, and a test fails the build when a block no longer matches them. They compile, but are not wired
 * into the shop's jar (no {@code META-INF/services} entries).
 */
package dev.tasks.examples.docs;
