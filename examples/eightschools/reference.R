# Reference posterior of eight schools for the example's test: Stan's NUTS,
# run long on the non-centred model (which has almost no divergences), its
# posterior means and sds written to testdata/reference.csv. The draws are
# not kept. Run from this folder (about two minutes, most of it compiling):
#
#	Rscript reference.R
#
# The model and priors are posteriordb's eight_schools_noncentered.
suppressMessages(library(rstan))

code <- "
data {
  int<lower=0> J;
  real y[J];
  real<lower=0> sigma[J];
}
parameters {
  real mu;
  real<lower=0> tau;
  real theta_tilde[J];
}
transformed parameters {
  real theta[J];
  for (j in 1:J) theta[j] = mu + tau * theta_tilde[j];
}
model {
  mu ~ normal(0, 5);
  tau ~ cauchy(0, 5);
  theta_tilde ~ normal(0, 1);
  y ~ normal(theta, sigma);
}
"
data <- list(J = 8, y = c(28, 8, -3, 7, -1, 1, 18, 12),
             sigma = c(15, 10, 16, 11, 9, 11, 10, 18))
m <- stan_model(model_code = code)
fit <- sampling(m, data = data, chains = 4, iter = 55000, warmup = 5000,
                seed = 20260101, cores = 1, refresh = 0)
s <- summary(fit)$summary
s <- s[rownames(s) != "lp__", ]
div <- sum(sapply(get_sampler_params(fit, inc_warmup = FALSE), function(p) sum(p[, "divergent__"])))
out <- data.frame(name = rownames(s), mean = s[, "mean"], sd = s[, "sd"],
                  mcse = s[, "se_mean"], ess = s[, "n_eff"], rhat = s[, "Rhat"])
cat(sprintf("# Stan %s (rstan %s), non-centred, 4 chains x 50000 draws after 5000 warm-up, seed 20260101; %d divergences\n",
            stan_version(), packageVersion("rstan"), div),
    file = "testdata/reference.csv")
out[, -1] <- signif(out[, -1], 8)
suppressWarnings(write.table(out, "testdata/reference.csv", sep = ",", quote = FALSE,
                             row.names = FALSE, append = TRUE))
print(out)
