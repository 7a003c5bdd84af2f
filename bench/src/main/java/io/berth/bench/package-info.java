/** Berth bench. */
package io.berth.bench;
