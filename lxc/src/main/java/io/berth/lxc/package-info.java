/** Berth lxc. */
package io.berth.lxc;
